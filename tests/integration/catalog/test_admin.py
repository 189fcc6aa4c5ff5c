"""The admin against the real S3 endpoint, signed in with JWT cookies."""

import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import override_settings
from PIL import Image

from localcluster import free_port
from shop.catalog.models import Product
from tests.factories import image_upload, make_category, make_product

pytestmark = pytest.mark.django_db


def test_staff_upload_stores_the_image_in_the_bucket(staff_client, s3_client, client, product_form):
    category = make_category()

    response = staff_client.post(
        "/admin/catalog/product/add/", product_form(category, image=image_upload("Dripper.PNG"))
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(slug="ceramic-dripper")
    assert product.image.name.startswith("products/") and product.image.name.endswith(".png")
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    stored = s3_client.get_object(Bucket=bucket, Key=product.image.name)
    assert stored["Body"].read()[:8] == b"\x89PNG\r\n\x1a\n"
    thumb = s3_client.get_object(Bucket=bucket, Key=product.thumbnail.name)["Body"].read()
    assert thumb[:3] == b"\xff\xd8\xff"  # a JPEG thumbnail beside it
    assert Image.open(io.BytesIO(thumb)).size == (480, 480)
    page = client.get("/products/ceramic-dripper/").content.decode()
    listing = client.get("/").content.decode()
    assert f'src="{product.image_url}"' in page
    assert f'src="{product.thumbnail_url}"' in listing
    assert urlsplit(product.image_url).path == f"/{bucket}/{product.image.name}"


def test_admin_sign_in_writes_no_session_row(staff_client):
    assert staff_client.get("/admin/").status_code == 200
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.signed_cookies"
    assert Session.objects.count() == 0
    assert settings.SESSION_COOKIE_NAME not in staff_client.cookies
    assert staff_client.cookies[settings.AUTH_ACCESS_COOKIE]["httponly"]
    assert staff_client.cookies[settings.AUTH_REFRESH_COOKIE]["httponly"]


def test_a_file_that_is_not_an_image_is_refused_with_a_form_error(staff_client, product_form):
    fake = SimpleUploadedFile("evil.png", b"<?php system($_GET['c']); ?>", "image/png")

    response = staff_client.post(
        "/admin/catalog/product/add/", product_form(make_category(), image=fake)
    )

    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not Product.objects.filter(slug="ceramic-dripper").exists()


def test_an_image_with_a_disallowed_extension_is_refused(staff_client, product_form):
    response = staff_client.post(
        "/admin/catalog/product/add/",
        product_form(make_category(), image=image_upload("photo.tiff", image_format="TIFF")),
    )

    assert response.status_code == 200
    assert "File extension “tiff” is not allowed" in response.content.decode()


def test_an_unreachable_store_is_a_form_error_and_loses_nothing_else(staff_client, product_form):
    product = make_product(name="Old Name", slug="old-name")
    dead = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "endpoint_url": _dead_url()},
        },
    }
    form = product_form(product.category, name="New Name", slug="old-name", image=image_upload())

    with override_settings(STORAGES=dead):
        response = staff_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The image store is not reachable right now" in html
    assert 'value="New Name"' in html  # what the user typed is still in the form
    product.refresh_from_db()
    assert product.name == "Old Name" and not product.image


def test_stock_and_price_are_editable_from_the_list(staff_client):
    product = make_product(stock=1, price=Decimal("5.00"))

    changelist = staff_client.get("/admin/catalog/product/")
    response = staff_client.post(
        "/admin/catalog/product/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": product.pk,
            "form-0-price": "6.50",
            "form-0-stock": "40",
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )

    assert changelist.status_code == 200
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.stock, product.price) == (40, Decimal("6.50"))


def test_negative_stock_is_refused_by_the_form_and_by_the_database(staff_client, product_form):
    product = make_product(stock=3)
    response = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        product_form(product.category, slug=product.slug, stock="-1"),
    )
    assert response.status_code == 200 and "greater than or equal to 0" in response.content.decode()

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-1)


def _dead_url():
    return f"http://127.0.0.1:{free_port()}"


def test_a_refused_image_never_reaches_the_bucket(staff_client, s3_client, product_form):
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    before = {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])}

    staff_client.post(
        "/admin/catalog/product/add/",
        product_form(make_category(), image=image_upload("photo.tiff", image_format="TIFF")),
    )

    after = {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert after == before
