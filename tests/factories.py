"""Small factories for test data; every value can be overridden by keyword."""

import io
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shop.catalog.models import Category, Product

_sequence = itertools.count(1)


def make_category(**fields):
    n = next(_sequence)
    fields.setdefault("name", f"Category {n}")
    fields.setdefault("slug", f"category-{n}")
    return Category.objects.create(**fields)


def make_product(**fields):
    n = next(_sequence)
    if "category" not in fields:
        fields["category"] = make_category()
    fields.setdefault("name", f"Product {n}")
    fields.setdefault("slug", f"product-{n}")
    fields.setdefault("price", Decimal("9.99"))
    fields.setdefault("stock", 10)
    return Product.objects.create(**fields)


def make_user(password="correct horse battery", **fields):
    n = next(_sequence)
    fields.setdefault("email", f"user{n}@example.com")
    return get_user_model().objects.create_user(password=password, **fields)


def make_staff(password="correct horse battery", **fields):
    n = next(_sequence)
    fields.setdefault("email", f"staff{n}@example.com")
    return get_user_model().objects.create_superuser(password=password, **fields)


def image_upload(name="photo.png", size=(64, 48), image_format="PNG", colour="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")
