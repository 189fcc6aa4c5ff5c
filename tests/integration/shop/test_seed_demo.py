from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from shop.catalog.models import Category, Product

pytestmark = pytest.mark.django_db


def _seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@override_settings(DJANGO_ADMIN_PASSWORD=None, DJANGO_ADMIN_EMAIL="boss@example.com")
def test_seed_creates_the_demo_once_with_images_in_the_bucket(s3_client):
    first = _seed()
    products = {p.slug: p.image.name for p in Product.objects.all()}
    second = _seed()

    assert Category.objects.count() == 5
    assert len(products) == 60
    assert {p.slug: p.image.name for p in Product.objects.all()} == products  # unchanged
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    for name in list(products.values())[:5]:
        assert s3_client.head_object(Bucket=bucket, Key=name)["ContentType"] == "image/jpeg"
    assert "60 products created, 60 images uploaded" in first
    assert "0 products created, 0 images uploaded" in second
    # A generated password is printed once, and it works.
    password = first.split("Staff user created: boss@example.com / ")[1].split()[0]
    staff = get_user_model().objects.get(email="boss@example.com")
    assert staff.is_staff and staff.check_password(password)
    assert "password unchanged" in second


def test_seed_reuploads_images_the_bucket_lost(s3_client):
    _seed()
    product = Product.objects.order_by("pk").first()
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    s3_client.delete_object(Bucket=bucket, Key=product.image.name)

    output = _seed()

    product.refresh_from_db()
    assert "0 products created, 1 images uploaded" in output
    assert s3_client.head_object(Bucket=bucket, Key=product.image.name)


@override_settings(DJANGO_ADMIN_PASSWORD="from the environment 42")
def test_staff_password_from_the_environment_is_applied_and_not_printed():
    output = _seed()

    staff = get_user_model().objects.get(email=settings.DJANGO_ADMIN_EMAIL)
    assert staff.check_password("from the environment 42")
    assert "from the environment 42" not in output
