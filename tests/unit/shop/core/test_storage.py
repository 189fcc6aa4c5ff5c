"""shop.core.storage.S3Storage: django-storages' S3 backend, loaded on first file use."""

import pytest
from django.core.exceptions import SuspiciousOperation

from shop.core.storage import S3Storage
from shop.settings.sections.storage import s3_storage_options

OPTIONS = s3_storage_options(
    "http://127.0.0.1:9000",
    "shop-bucket",
    local=True,
    region_name="us-east-1",
    access_key=None,
    secret_key=None,
    custom_domain=None,
    url_protocol="http:",
    querystring_auth=False,
)
NAMES = [
    "products/kettle.jpg",
    "products/thumbnails/a b é.jpg",
    "products/../products/kettle.jpg",
    "products/with?query#and&more.png",
]


@pytest.mark.parametrize("name", NAMES)
def test_public_urls_are_the_ones_django_storages_builds(name):
    lazy = S3Storage(**OPTIONS)

    assert lazy.url(name) == lazy.backend.url(name)
    assert lazy.url(name, {"v": "2"}) == lazy.backend.url(name, {"v": "2"})
    assert lazy.url(name).startswith("http://127.0.0.1:9000/shop-bucket/products/")


def test_a_public_url_needs_no_client():
    lazy = S3Storage(**OPTIONS)

    lazy.url("products/kettle.jpg")

    assert "backend" not in lazy.__dict__  # django-storages' backend never made


def test_a_name_outside_the_location_is_refused_as_django_storages_refuses_it():
    lazy = S3Storage(**{**OPTIONS, "location": "media"})

    with pytest.raises(SuspiciousOperation):
        lazy.url("../secrets.txt")
    with pytest.raises(SuspiciousOperation):
        lazy.backend.url("../secrets.txt")
    assert lazy.url("products/kettle.jpg") == lazy.backend.url("products/kettle.jpg")


def test_signed_urls_and_everything_else_are_django_storages_own():
    from botocore.config import Config
    from storages.backends.s3 import S3Storage as BackendS3Storage

    signed = S3Storage(**{**OPTIONS, "querystring_auth": True, "custom_domain": None})

    url = signed.url("products/kettle.jpg")

    assert isinstance(signed.backend, BackendS3Storage)
    assert "X-Amz-Signature=" in url
    assert signed.bucket_name == "shop-bucket"  # the backend's attributes, through it
    assert isinstance(OPTIONS["client_config"], dict)  # settings need no botocore
    assert isinstance(signed.client_config, Config)  # the backend makes the Config
    assert signed.client_config.connect_timeout == 1
