"""Small factories for test data; every value can be overridden by keyword."""

import io
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
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


# The test profile hashes with MD5 for speed; app processes started by the tests run the
# stateless profile, which cannot check that. Users they sign in need this hasher.
APP_HASHER = "pbkdf2_sha256"

# A shipping address that passes checkout's validation.
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


def make_user(password="correct horse battery", hasher=None, **fields):
    n = next(_sequence)
    fields.setdefault("email", f"user{n}@example.com")
    return _with_hasher(
        get_user_model().objects.create_user(password=password, **fields), password, hasher
    )


def make_staff(password="correct horse battery", hasher=None, **fields):
    n = next(_sequence)
    fields.setdefault("email", f"staff{n}@example.com")
    user = get_user_model().objects.create_superuser(password=password, **fields)
    return _with_hasher(user, password, hasher)


def _with_hasher(user, password, hasher):
    if hasher is not None:
        user.password = make_password(password, hasher=hasher)
        user.save(update_fields=["password"])
    return user


def image_upload(name="photo.png", size=(64, 48), image_format="PNG", colour="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")
