"""The catalog listing rendered once per process per catalog version and query
(shop/catalog/pages.py): warm requests query nothing and render nothing, 304s come
before either, and a product saved anywhere is on the page within the stated bound."""

import re
import time

import pytest
from django.core.cache import caches
from django.test import Client
from django.test.signals import template_rendered
from django_redis import get_redis_connection

from shop.catalog.models import Product
from shop.catalog.summaries import REDIS_ALIAS, VERSION_KEY
from tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def rendered():
    """The names of the templates rendered while the test runs."""
    names = []

    def record(sender, template, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


@pytest.fixture
def products():
    category = make_category(slug="tea")
    return [make_product(name=f"Tea {i:02}", category=category) for i in range(30)]


def fresh(client, path, **headers):
    """What this process renders for ``path`` with no copy of its own."""
    caches["catalog_pages"].clear()
    return client.get(path, **headers)


def test_a_warm_catalog_page_queries_nothing_and_renders_nothing(
    client, products, rendered, django_assert_num_queries
):
    cold = client.get("/")
    rendered.clear()

    with django_assert_num_queries(0):
        warm = client.get("/")

    assert rendered == []
    assert warm.status_code == 200
    assert warm.content == cold.content
    assert warm["ETag"] == cold["ETag"]


def test_a_cached_page_is_the_bytes_and_headers_of_a_fresh_render(client, products):
    cold = fresh(client, "/?sort=price&page=2")
    warm = client.get("/?sort=price&page=2")

    assert warm.content == cold.content
    per_request = {"X-Request-ID"}
    assert {k: v for k, v in warm.headers.items() if k not in per_request} == {
        k: v for k, v in cold.headers.items() if k not in per_request
    }
    assert "public" in warm["Cache-Control"] and "max-age=60" in warm["Cache-Control"]


def test_the_front_page_is_the_page_of_its_query_through_the_form(client, products):
    # No query string skips the form (its meaning is worked out once per process).
    front = fresh(client, "/")
    spelled_out = fresh(client, "/?page=1&sort=")

    assert front.status_code == spelled_out.status_code == 200
    assert front.content == spelled_out.content
    assert front["ETag"] == spelled_out["ETag"]
    assert front.content.decode().index("Tea 00") < front.content.decode().index("Tea 01")


def test_a_matching_if_none_match_is_a_304_before_any_rendering_or_query(
    client, products, rendered, django_assert_num_queries
):
    etag = client.get("/")["ETag"]
    rendered.clear()

    with django_assert_num_queries(0):
        revalidated = client.get("/", HTTP_IF_NONE_MATCH=etag)
    other = client.get("/", HTTP_IF_NONE_MATCH='"something-else"')

    assert rendered == []
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert revalidated["ETag"] == etag
    # A shared cache that revalidates keeps the page public, not the private default.
    assert "public" in revalidated["Cache-Control"]
    assert other.status_code == 200


def test_the_etag_is_the_same_on_a_process_that_renders_the_page_again(client, products):
    first = client.get("/?category=tea")

    again = fresh(client, "/?category=tea", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304  # another worker: same bytes, same ETag


def test_saving_a_product_changes_the_page_and_its_etag_at_once_here(
    client, products, django_capture_on_commit_callbacks
):
    before = client.get("/")
    product = products[0]
    product.price = "123.45"
    with django_capture_on_commit_callbacks(execute=True):
        product.save()

    after = client.get("/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "$123.45" in after.content.decode()


def test_a_save_in_another_process_is_on_the_page_within_the_version_interval(
    client, products, settings
):
    settings.CATALOG_VERSION_SECONDS = 0.2
    caches["catalog"].clear()  # the version this process knows, read again from now on
    before = client.get("/")
    # Another worker commits a new stock and bumps the version in Redis.
    Product.objects.filter(pk=products[0].pk).update(stock=0)
    get_redis_connection(REDIS_ALIAS).incr(VERSION_KEY)

    time.sleep(0.3)
    after = client.get("/")

    assert "Out of stock" not in before.content.decode()
    assert "Out of stock" in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_a_change_that_does_not_bump_the_version_is_on_the_page_after_the_cache_timeout(
    client, products, settings
):
    pages = {**settings.CACHES["catalog_pages"], "LOCATION": "catalog-pages-ttl", "TIMEOUT": 1}
    settings.CACHES = {**settings.CACHES, "catalog_pages": pages}
    before = client.get("/")
    # Checkout takes stock with an UPDATE and leaves the version alone.
    Product.objects.filter(pk=products[0].pk).update(stock=2)

    time.sleep(1.1)
    after = client.get("/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert "Only 2 left" in after.content.decode()


@pytest.mark.parametrize(
    "a, b",
    [
        ("/", "/?sort=price"),
        ("/", "/?page=2"),
        ("/", "/?category=tea&sort=-price"),
        ("/?search=Tea", "/?search=Tea%20"),  # the header's search box repeats it as typed
    ],
)
def test_different_queries_are_different_pages(client, products, a, b):
    client.get(a)

    answer = client.get(b)

    assert answer.content == fresh(client, b).content
    assert answer.content != client.get(a).content


@pytest.mark.parametrize("number", ["0", "99", "2.0", "abc", ""])
def test_page_numbers_resolve_as_the_paginator_does_without_a_query(
    client, products, number, django_assert_num_queries
):
    expected = fresh(client, f"/?page={number}").content
    client.get("/?page=1")
    client.get("/?page=2")

    with django_assert_num_queries(0):
        answer = client.get(f"/?page={number}")

    assert answer.content == expected


def test_invalid_queries_are_400_private_and_never_cached(client, products, rendered):
    first = client.get("/", {"search": "x" * 10_000})
    rendered.clear()
    second = client.get("/", {"search": "x" * 10_000})

    assert first.status_code == second.status_code == 400
    assert "catalog/product_list.html" in rendered  # rendered again
    assert "private" in second["Cache-Control"] and not second.has_header("ETag")


def test_the_page_cache_stays_bounded(client, products, settings, rendered):
    pages = {
        **settings.CACHES["catalog_pages"],
        "LOCATION": "catalog-pages-bounded",
        "OPTIONS": {"MAX_ENTRIES": 6},
    }
    settings.CACHES = {**settings.CACHES, "catalog_pages": pages}
    client.get("/?search=tea")
    for i in range(10):
        client.get("/", {"search": f"tea {i}"})
    rendered.clear()

    client.get("/?search=tea")

    assert len(caches["catalog_pages"]._cache) <= 6  # LocMemCache's store: no public size
    assert "catalog/product_list.html" in rendered  # the oldest page was let go


def test_the_catalog_stays_up_when_redis_goes_down(client, products, redis_server, settings):
    url, server = redis_server()
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }
    settings.CATALOG_VERSION_SECONDS = 0.1
    caches["catalog"].clear()
    warm = client.get("/")
    server.kill()
    server.wait()

    time.sleep(0.2)  # the version is due to be read again, from a dead Redis
    started = time.monotonic()
    cached = client.get("/")
    cold = client.get("/?sort=price")

    assert cached.status_code == cold.status_code == 200
    assert cached.content == warm.content
    assert time.monotonic() - started < 2.0


def test_nothing_personal_enters_the_cached_page(client, products, redis):
    anonymous = Client().get("/").content
    email = "new@example.com"
    client.post(
        "/accounts/register/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    client.post("/cart/add/", {"product_id": products[0].pk, "quantity": "2"})
    caches["catalog_pages"].clear()

    # Signed in, a cart, "Welcome!" waiting in the messages cookie: rendered for this
    # visitor and stored for everyone.
    page = client.get("/")
    shared = Client().get("/")
    account = client.get("/accounts/")

    body = page.content.decode()
    assert page.content == shared.content == anonymous
    assert "csrfmiddlewaretoken" not in body and email not in body
    assert "Welcome" not in body and "data-cart-count></span>" in body
    assert not page.cookies  # the message was not consumed, no identity rotated
    assert "Welcome! Your account is ready." in account.content.decode()


# The product page: private, but its product and the markup around the form are kept.


FORM_VALUES = re.compile(rb'(name="(?:csrfmiddlewaretoken|idempotency_key)" value=")[^"]+"')


def _form_values(page):
    return [match.group(0) for match in FORM_VALUES.finditer(page)]


def test_a_warm_product_page_queries_nothing_and_renders_a_fresh_form(
    client, products, django_assert_num_queries
):
    slug = products[0].slug
    cold = client.get(f"/products/{slug}/")

    with django_assert_num_queries(0):
        warm = client.get(f"/products/{slug}/")

    assert warm.status_code == 200 and "private" in warm["Cache-Control"]
    assert products[0].name in warm.content.decode()
    # The form's CSRF token and idempotency key are fresh; the rest is the same page.
    assert len(_form_values(warm.content)) == 2
    assert _form_values(warm.content) != _form_values(cold.content)
    assert FORM_VALUES.sub(rb"\1", warm.content) == FORM_VALUES.sub(rb"\1", cold.content)


def test_a_product_saved_here_is_on_its_page_at_once(
    client, products, django_capture_on_commit_callbacks
):
    product = products[0]
    before = client.get(f"/products/{product.slug}/")
    product.stock, product.description = 0, "Now with a new description."
    with django_capture_on_commit_callbacks(execute=True):
        product.save()

    after = client.get(f"/products/{product.slug}/")

    assert "Out of stock" not in before.content.decode()
    assert "Out of stock" in after.content.decode()
    assert "Now with a new description." in after.content.decode()
    assert b"disabled" in after.content  # the form follows the same product


def test_a_product_saved_elsewhere_is_on_its_page_within_the_version_interval(
    client, products, settings
):
    settings.CATALOG_VERSION_SECONDS = 0.2
    caches["catalog"].clear()
    product = products[0]
    client.get(f"/products/{product.slug}/")
    Product.objects.filter(pk=product.pk).update(stock=2)
    get_redis_connection(REDIS_ALIAS).incr(VERSION_KEY)

    time.sleep(0.3)
    after = client.get(f"/products/{product.slug}/")

    assert "Only 2 left" in after.content.decode()


def test_a_product_taken_off_sale_is_a_404_once_the_version_moves(
    client, products, django_capture_on_commit_callbacks
):
    product = products[0]
    assert client.get(f"/products/{product.slug}/").status_code == 200
    product.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        product.save()

    assert client.get(f"/products/{product.slug}/").status_code == 404


def test_unknown_products_are_not_kept(client, products):
    before = len(caches["catalog_pages"]._cache)
    for number in range(5):
        assert client.get(f"/products/no-such-{number}/").status_code == 404

    assert len(caches["catalog_pages"]._cache) == before
