"""Fixtures of the catalog tests: a staff member signed in to the admin, the bucket."""

import pytest
from django.conf import settings

from tests.factories import make_staff


@pytest.fixture
def staff_client(client):
    """The test client, signed in to the admin as staff (JWT cookies, no session)."""
    staff = make_staff(password="a long staff password")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": "a long staff password"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    return client


@pytest.fixture
def bucket_keys(s3_client):
    """``bucket_keys() -> set`` of every object key now in the tests' bucket."""
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]

    def keys():
        pages = s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    return keys


@pytest.fixture(autouse=True)
def bucket_left_as_found(bucket_keys, s3_client):
    """Objects a catalog test stores are deleted after it: the bucket lives for the whole
    session, and later tests list it (migrate_media_to_s3 reports what it finds)."""
    before = bucket_keys()
    yield
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    for key in bucket_keys() - before:
        s3_client.delete_object(Bucket=bucket, Key=key)


@pytest.fixture
def product_form():
    """``product_form(category, **fields)``: the admin's fields for a new product."""

    def form(category, **fields):
        return {
            "name": "Ceramic Dripper",
            "slug": "ceramic-dripper",
            "category": category.pk,
            "description": "Pours well.",
            "is_active": "on",
            "price": "24.00",
            "stock": "7",
            **fields,
        }

    return form
