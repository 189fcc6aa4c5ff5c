"""The cart locator's decisions that need no store: which token, which cookies, CSRF."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.identity.bearer import BearerIdentity
from accounts.identity.cookies import JWTCookieIdentity
from accounts.tokens import AccessToken
from carts import tokens
from carts.backends.session import SessionCart
from carts.locators import CartLocator, CountedCart

OPTIONS = {"MAX_LINES": 3, "MAX_QUANTITY": 99, "GUEST_TTL": 60, "USER_TTL": 120}


def _locator(*, cookies=None, headers=None, bearer_user=None):
    request = RequestFactory().post("/api/v1/cart/items/", headers=headers or {})
    request.COOKIES.update(cookies or {})
    request.identity = JWTCookieIdentity(request)  # no identity cookies: anonymous
    if bearer_user is not None:
        token = AccessToken()
        token["sub"] = str(bearer_user)
        request.identity = BearerIdentity(request, token, displaced=request.identity)
    return CartLocator(request)


def test_a_non_empty_header_names_the_cart_else_the_cookie():
    _, cookie = tokens.issue()
    _, header = tokens.issue()

    assert _locator(cookies={settings.CART_COOKIE: cookie}).guest_token() == cookie
    both = _locator(cookies={settings.CART_COOKIE: cookie}, headers={"X-Cart-Token": header})
    assert both.guest_token() == header
    empty = _locator(cookies={settings.CART_COOKIE: cookie}, headers={"X-Cart-Token": ""})
    assert empty.guest_token() == cookie  # an empty header is no header


@pytest.mark.parametrize(
    ("cookies", "headers", "bearer_user", "needs_csrf"),
    [
        ({}, {}, None, False),  # nothing to forge: a cookie-less API client
        ({}, {"X-Cart-Token": ""}, None, False),
        ({"csrftoken": "x"}, {}, None, True),  # a browser, before its first cart write
        ({"shop_cart": "t"}, {"X-Cart-Token": ""}, None, True),
        ({"shop_cart": "t"}, {"X-Cart-Token": "h"}, None, False),
        ({"shop_cart": "t"}, {}, 5, False),  # a Bearer user's cart is the token's
    ],
)
def test_writes_need_csrf_exactly_when_cookies_carry_the_cart(
    cookies, headers, bearer_user, needs_csrf
):
    locator = _locator(cookies=cookies, headers=headers, bearer_user=bearer_user)

    assert locator.carried_by_cookie() is needs_csrf


def test_a_bearer_users_cart_is_theirs_and_needs_no_token():
    locator = _locator(bearer_user=5)

    assert locator.owner(create=True) == ("user", 5)
    assert locator.issued_token is None
    assert locator.idempotency_scope() == "user:5"


def test_a_guest_without_a_token_gets_one_only_when_creating():
    locator = _locator()

    assert locator.owner() is None and locator.idempotency_scope() is None
    owner = locator.owner(create=True)

    assert owner == ("guest", tokens.read(locator.issued_token))
    assert locator.holds_guest_token(locator.issued_token)


def test_an_issued_token_goes_out_as_header_and_httponly_cookie():
    locator = _locator()
    locator.owner(create=True)
    response = HttpResponse()

    locator.update(response)

    cookie = response.cookies[settings.CART_COOKIE]
    assert response["X-Cart-Token"] == cookie.value == locator.issued_token
    assert cookie["httponly"] and cookie["max-age"] == settings.CARTS["OPTIONS"]["GUEST_TTL"]


def test_a_used_cart_renews_its_cookie_and_sets_the_count():
    _, token = tokens.issue()
    locator = _locator(cookies={settings.CART_COOKIE: token})
    locator.count = 3
    response = HttpResponse()

    locator.update(response)

    assert response.cookies[settings.CART_COOKIE].value == token
    assert response.cookies[settings.CART_COUNT_COOKIE].value == "3"
    assert "X-Cart-Token" not in response


def test_an_unused_or_tampered_cookie_is_left_alone():
    _, token = tokens.issue()
    untouched, tampered = HttpResponse(), HttpResponse()

    _locator(cookies={settings.CART_COOKIE: token}).update(untouched)
    forged = _locator(cookies={settings.CART_COOKIE: token + "x"})
    forged.count = 1
    forged.update(tampered)

    assert not untouched.cookies
    assert settings.CART_COOKIE not in tampered.cookies


def test_a_merged_guest_cart_drops_its_cookie():
    _, token = tokens.issue()
    locator = _locator(cookies={settings.CART_COOKIE: token})
    locator.forget_guest()
    locator.count = 4
    response = HttpResponse()

    locator.update(response)

    assert response.cookies[settings.CART_COOKIE].value == ""  # deleted
    assert response.cookies[settings.CART_COUNT_COOKIE].value == "4"


def test_carts_handed_out_record_the_count_of_every_read_and_write():
    locator = _locator()
    cart = CountedCart(SessionCart(("guest", "g"), session={}, **OPTIONS), locator)

    cart.add(1, 2, limit=10)
    after_add = locator.count
    cart.set(2, 5, limit=10)
    after_set = locator.count
    cart.remove(1)
    after_remove = locator.count
    cart.lines()
    cart.take({2: 5})
    after_take = locator.count
    cart.add(3, 1, limit=10)
    cart.clear()

    assert (after_add, after_set, after_remove, after_take, locator.count) == (2, 7, 5, 0, 0)
    assert cart.max_quantity == 99  # everything else is the backend's


def test_a_refused_write_records_nothing():
    from carts.exceptions import CartLimitExceeded

    locator = _locator()
    cart = CountedCart(SessionCart(("guest", "g"), session={}, **OPTIONS), locator)

    with pytest.raises(CartLimitExceeded):
        cart.add(1, 11, limit=10)

    assert locator.count is None  # the response leaves the count cookie alone


def test_signing_out_resets_the_count():
    locator = _locator()
    locator.count = 7

    locator.signed_out()

    assert locator.count == 0
