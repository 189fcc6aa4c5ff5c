"""CSRF on cart writes: required exactly when a cookie names the cart or the user.

A browser sends its cookies on cross-site requests by itself, so a write that a cookie
identifies must prove it comes from our pages; a guest's cart is the cookie's unless
``X-Cart-Token`` names one, so a browser (a request with cookies) needs the token even
for the write that creates its cart cookie. A request whose cart and user come from
headers (``X-Cart-Token``, ``Authorization: Bearer``), or that carries no cookie at all,
has nothing another site could forge, and a cookie-less API client must be able to
start a guest cart.
"""

import pytest
from django.conf import settings
from django.test import Client

from accounts import services as accounts
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CSRF_SECRET = "a" * 32  # any 32 allowed characters form a valid CSRF secret


def _guest_token(product):
    response = Client().post(
        "/api/v1/cart/items/",
        {"product_id": product.pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response["X-Cart-Token"]


def _signed_in_cookies(client, user):
    pair = accounts.sign_in_create(user=user)
    client.cookies[settings.AUTH_ACCESS_COOKIE] = pair.access
    client.cookies[settings.AUTH_REFRESH_COOKIE] = pair.refresh
    return pair


# What the request carries -> whether its writes need the CSRF token.
CASES = {
    "no cookie": False,
    "empty header": False,
    "header token": False,
    "csrf cookie": True,  # a browser before its first cart write
    "csrf cookie and header token": False,
    "cart cookie": True,
    "cart cookie and empty header": True,
    "cart cookie and header token": False,
    "access cookie": True,
    "access cookie and header token": True,
    "access cookie and empty header": True,
    "bearer": False,
    "bearer and cart cookie": False,
}


def _client(case, product):
    """A CSRF-enforcing client carrying what ``case`` names, and its extra headers."""
    client = Client(enforce_csrf_checks=True)
    headers = {}
    if "csrf cookie" in case:
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    if "cart cookie" in case:
        client.cookies[settings.CART_COOKIE] = _guest_token(product)
    if "header token" in case:
        headers["HTTP_X_CART_TOKEN"] = _guest_token(product)
    if "empty header" in case:
        headers["HTTP_X_CART_TOKEN"] = ""
    if "access cookie" in case:
        _signed_in_cookies(client, make_user())
    if "bearer" in case:
        access = accounts.sign_in_create(user=make_user()).access
        headers["HTTP_AUTHORIZATION"] = f"Bearer {access}"
    return client, headers


def _write(client, method, product, headers):
    json = {"content_type": "application/json"}
    if method == "POST":
        return client.post("/api/v1/cart/items/", {"product_id": product.pk}, **json, **headers)
    path = f"/api/v1/cart/items/{product.pk}/"
    if method == "PUT":
        return client.put(path, {"quantity": 2}, **json, **headers)
    return client.delete(path, **headers)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_cart_write_needs_csrf_exactly_when_a_cookie_names_the_cart_or_user(
    products, case, method
):
    needs_csrf = CASES[case]
    product = products["plenty"]
    client, headers = _client(case, product)

    without = _write(client, method, product, headers)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    with_token = _write(client, method, product, {**headers, "HTTP_X_CSRFTOKEN": CSRF_SECRET})

    assert without.status_code == (403 if needs_csrf else 200), without.content
    if needs_csrf:
        assert "CSRF" in without.json()["detail"]
    assert with_token.status_code == 200, with_token.content


def test_a_cookieless_client_can_shop_as_a_guest_and_keep_its_token(products):
    client = Client(enforce_csrf_checks=True)

    first = client.post(
        "/api/v1/cart/items/",
        {"product_id": products["plenty"].pk},
        content_type="application/json",
    )
    token = first["X-Cart-Token"]
    api = Client(enforce_csrf_checks=True)  # an app keeps the header, not the cookie
    second = api.put(
        f"/api/v1/cart/items/{products['few'].pk}/",
        {"quantity": 2},
        content_type="application/json",
        HTTP_X_CART_TOKEN=token,
    )

    assert first.status_code == 200 and token
    assert second.status_code == 200 and second.json()["total_quantity"] == 3


def test_an_empty_header_does_not_switch_csrf_off_for_the_cookies_cart(products):
    product = products["plenty"]
    browser = Client(enforce_csrf_checks=True)
    token = _guest_token(product)
    browser.cookies[settings.CART_COOKIE] = token

    forged = browser.delete("/api/v1/cart/", HTTP_X_CART_TOKEN="")
    cart = Client().get("/api/v1/cart/", HTTP_X_CART_TOKEN=token).json()

    assert forged.status_code == 403
    assert cart["total_quantity"] == 1  # the cookie's cart is untouched
