"""The cart in the browser without JavaScript: form posts answered with redirects."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client

from tests.factories import make_user
from tests.pages import text, value

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _csrf(client):
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def _add_form(client, product):
    page = client.get(f"/products/{product.slug}/").content
    key = value(page, "input[name=idempotency_key]")
    return {
        "product_id": product.pk,
        "quantity": "2",
        "idempotency_key": key,
        "next": f"/products/{product.slug}/",
        "csrfmiddlewaretoken": _csrf(client),
    }


def test_a_guest_adds_from_the_product_page_and_sees_the_cart(products):
    browser = Client(enforce_csrf_checks=True)
    form = _add_form(browser, products["plenty"])

    added = browser.post("/cart/add/", form)
    page = browser.get("/cart/")

    assert added.status_code == 302 and added["Location"] == "/cart/"
    html = page.content.decode()
    assert "Sencha" in html and "$25.00" in html and "Added to your cart." in html
    assert browser.cookies[settings.CART_COUNT_COOKIE].value == "2"
    product_page = browser.get(f"/products/{products['plenty'].slug}/").content
    assert text(product_page, ".cart-count") == "2"
    # The catalog is the same for everybody: its count is filled in by the page script.
    assert text(browser.get("/").content, ".cart-count") == ""


def test_a_resubmitted_add_form_adds_once(products):
    browser = Client(enforce_csrf_checks=True)
    form = _add_form(browser, products["plenty"])

    browser.post("/cart/add/", form)
    browser.post("/cart/add/", form)

    assert text(browser.get("/cart/").content, "[data-total-quantity]") == "2"


def test_a_refused_add_says_why_and_changes_nothing(products):
    browser = Client(enforce_csrf_checks=True)
    form = {**_add_form(browser, products["few"]), "quantity": "5"}

    response = browser.post("/cart/add/", form, follow=True)

    assert "Only 3 of Matcha in stock." in response.content.decode()
    assert "Your cart is empty" in browser.get("/cart/").content.decode()


def test_quantities_change_and_lines_go_from_the_cart_page(products):
    browser = Client(enforce_csrf_checks=True)
    browser.post("/cart/add/", _add_form(browser, products["plenty"]))
    pid = products["plenty"].pk

    browser.post(f"/cart/items/{pid}/", {"quantity": "4", "csrfmiddlewaretoken": _csrf(browser)})
    assert "$50.00" in browser.get("/cart/").content.decode()
    browser.post(f"/cart/items/{pid}/", {"quantity": "abc", "csrfmiddlewaretoken": _csrf(browser)})
    assert "$50.00" in browser.get("/cart/").content.decode()
    browser.post(f"/cart/items/{pid}/remove/", {"csrfmiddlewaretoken": _csrf(browser)})

    assert "Your cart is empty" in browser.get("/cart/").content.decode()
    assert browser.cookies[settings.CART_COUNT_COOKIE].value == "0"


def test_signing_in_merges_the_guest_cart_and_says_so(products):
    user = make_user(password=PASSWORD)
    browser = Client(enforce_csrf_checks=True)
    browser.post("/cart/add/", _add_form(browser, products["plenty"]))
    browser.post("/cart/add/", {**_add_form(browser, products["few"]), "quantity": "3"})
    # Meanwhile, on another device, the user's cart already holds 2 of the 3 Matcha.
    member = Client()
    member.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    member.post("/cart/add/", {"product_id": products["few"].pk, "quantity": "2"})

    browser.post(
        "/accounts/login/",
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(browser)},
    )
    page = browser.get("/cart/").content.decode()

    assert "2 items from your visit were added; 1 was limited to the stock left." in page
    assert text(page, "[data-total-quantity]") == "5"  # 2 Sencha + 3 Matcha (2 + 3 capped at 3)
    assert browser.cookies[settings.CART_COOKIE].value == ""  # the guest token is dropped


def test_the_cart_page_is_a_friendly_503_when_redis_is_down(products, redis_server, settings):
    url, server = redis_server()
    settings.CACHES = {**settings.CACHES, "carts": {**settings.CACHES["carts"], "LOCATION": url}}
    caches["catalog"].clear()
    browser = Client()
    browser.post("/cart/add/", {"product_id": products["plenty"].pk, "quantity": "1"})
    server.kill()
    server.wait()

    page = browser.get("/cart/")
    catalog = browser.get("/")

    assert page.status_code == 503
    assert "The cart is unavailable for a moment" in page.content.decode()
    assert catalog.status_code == 200


def test_reusing_an_add_forms_key_for_another_quantity_is_a_message_not_an_error(products):
    browser = Client(enforce_csrf_checks=True)
    form = _add_form(browser, products["plenty"])
    browser.post("/cart/add/", form)

    response = browser.post("/cart/add/", {**form, "quantity": "5"}, follow=True)

    assert response.status_code == 200
    assert "already used with a different request" in response.content.decode()
    assert text(browser.get("/cart/").content, "[data-total-quantity]") == "2"


def test_signing_in_works_while_the_carts_redis_is_down(products, redis_server, settings):
    user = make_user(password=PASSWORD)
    url, server = redis_server()
    settings.CACHES = {**settings.CACHES, "carts": {**settings.CACHES["carts"], "LOCATION": url}}
    browser = Client()
    browser.post("/cart/add/", {"product_id": products["plenty"].pk, "quantity": "1"})
    server.kill()
    server.wait()

    response = browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert browser.get("/accounts/").status_code == 200
    assert browser.cookies[settings.CART_COOKIE].value  # kept for a later merge


def test_signing_out_resets_the_header_count_and_writes_renew_the_cart_cookie(products):
    user = make_user(password=PASSWORD)
    browser = Client()
    browser.post("/cart/add/", {"product_id": products["plenty"].pk, "quantity": "1"})
    renewed = browser.post(f"/cart/items/{products['plenty'].pk}/", {"quantity": "2"}).cookies[
        settings.CART_COOKIE
    ]
    browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    signed_out = browser.post("/accounts/logout/")

    assert renewed["max-age"] == settings.CARTS["OPTIONS"]["GUEST_TTL"]
    assert signed_out.cookies[settings.CART_COUNT_COOKIE].value == "0"


@pytest.mark.parametrize("next_url", ["foo", "https://evil.example/", "//evil.example/x"])
def test_a_refused_add_never_follows_a_foreign_or_broken_next(products, next_url):
    response = Client().post(
        "/cart/add/",
        {"product_id": products["none"].pk, "quantity": "1", "next": next_url},
    )

    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_a_strange_count_cookie_is_ignored(products):
    browser = Client()
    browser.cookies[settings.CART_COUNT_COOKIE] = "²"

    assert browser.get("/cart/").status_code == 200


def test_a_crafted_short_key_on_a_guests_first_add_is_a_message(products):
    response = Client().post(
        "/cart/add/",
        {"product_id": products["plenty"].pk, "quantity": "1", "idempotency_key": "abc"},
        follow=True,
    )

    assert response.status_code == 200
    assert "at least 32 random characters" in response.content.decode()
