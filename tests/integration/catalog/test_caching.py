"""Catalog pages a CDN could cache: the same bytes for every visitor, with validators."""

import pytest
from django.test import Client

from tests.factories import make_category, make_product, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def test_catalog_pages_are_public_cacheable_and_revalidate_with_an_etag(client):
    make_product(name="Sencha")

    first = client.get("/")
    again = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
    assert first["ETag"]
    assert again.status_code == 304
    assert "Cookie" not in first.get("Vary", "")
    assert not first.cookies  # nothing personal is set either


def test_the_catalog_page_is_the_same_for_a_signed_in_shopper_with_a_cart(redis):
    make_product(name="Sencha", stock=5)
    anonymous = Client().get("/").content
    user = make_user(password=PASSWORD)
    shopper = Client()
    shopper.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    shopper.cookies["shop_cart_count"] = "3"

    signed_in = shopper.get("/")

    assert signed_in.content == anonymous
    assert "public" in signed_in["Cache-Control"]


def test_product_pages_with_forms_are_private(client):
    make_product(slug="sencha")

    response = client.get("/products/sencha/")

    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def test_every_page_carries_a_strict_content_security_policy(client):
    make_product(slug="sencha")

    policy = client.get("/products/sencha/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "img-src 'self' data: http://127.0.0.1:" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("count", [3, 24])
def test_the_catalog_page_makes_a_bounded_number_of_queries(
    client, count, django_assert_max_num_queries
):
    category = make_category()
    for i in range(count):
        make_product(name=f"Item {i}", category=category)

    with django_assert_max_num_queries(4):
        response = client.get("/", {"category": category.slug, "sort": "price"})

    assert response.content.decode().count('class="product-card"') == count


def test_sorting_by_price_and_newest(client):
    category = make_category()
    make_product(name="Dear", price="30.00", category=category)
    make_product(name="Cheap", price="3.00", category=category)

    by_price = client.get("/", {"sort": "price"}).content.decode()
    by_newest = client.get("/", {"sort": "newest"}).content.decode()

    assert by_price.index("Cheap") < by_price.index("Dear")
    assert by_newest.index("Cheap") < by_newest.index("Dear")


@pytest.mark.parametrize("path", ["/cart/", "/accounts/login/", "/api/v1/cart/", "/checkout/"])
def test_personal_pages_and_api_answers_are_private(client, redis, path):
    response = client.get(path)

    assert "private" in response["Cache-Control"]


def test_a_shared_catalog_page_never_rotates_or_sets_cookies(redis, settings):
    make_product(name="Sencha")
    user = make_user(password=PASSWORD)
    shopper = Client()
    shopper.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    del shopper.cookies[settings.AUTH_ACCESS_COOKIE]  # expired: the next look would rotate

    catalog = shopper.get("/")
    account = shopper.get("/accounts/")

    assert not catalog.cookies
    assert settings.AUTH_ACCESS_COOKIE in account.cookies  # personal pages still rotate
