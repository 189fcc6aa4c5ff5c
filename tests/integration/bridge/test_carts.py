"""The bridge cart: Redis first, mirrored into the legacy session cart, and what happens
when a legacy instance wrote the session cart since (carts/backends/bridge.py).

A legacy instance is played here by what it does to a session: it loads it, changes its
session cart (``SessionCart``) and saves it, knowing nothing of the bridge.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from carts.backends import open_cart
from carts.backends.bridge import BridgeCart
from carts.backends.session import SessionCart
from carts.legacy import already_imported, guest_cart_id
from tests.factories import make_product

from .conftest import PASSWORD, browser_with, legacy_session, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bridge")]


def lines_of(response):
    assert response.status_code == 200, response.content[:300]
    return {item["product_id"]: item["quantity"] for item in response.json()["items"]}


def cart_api(browser):
    return lines_of(browser.get("/api/v1/cart/"))


def add(browser, product, quantity=1, **headers):
    return lines_of(
        browser.post(
            "/api/v1/cart/items/",
            {"product_id": product.pk, "quantity": quantity},
            content_type="application/json",
            **headers,
        )
    )


def session_cart(browser):
    """The session cart a legacy instance would read for this browser."""
    session = reload_key(browser.cookies[settings.SESSION_COOKIE_NAME].value)
    return SessionCart(("session", ""), session=session, **settings.CARTS["OPTIONS"]).lines()


def reload_key(key):
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def on_a_legacy_instance(browser, change):
    """``change(cart)`` on this browser's session cart, saved as a legacy instance does."""
    session = reload_key(browser.cookies[settings.SESSION_COOKIE_NAME].value)
    change(SessionCart(("session", ""), session=session, **settings.CARTS["OPTIONS"]))
    session.save()


def signed_in(user):
    """A browser signed in on the bridge (JWT cookies and the legacy session)."""
    browser = Client()
    browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert "shop_access" in browser.cookies
    return browser


@pytest.fixture
def tea(db):
    return make_product(name="Tea", stock=4)


@pytest.fixture
def cup(db):
    return make_product(name="Cup", stock=50)


def test_a_legacy_cart_is_imported_once_with_the_merge_rules_of_sign_in(user, tea, cup):
    gone = make_product(is_active=False)
    open_cart(("user", user.pk)).add(tea.pk, 2, limit=4)  # from another device, on a bridge
    session = legacy_session(user, cart={tea.pk: 3, cup.pk: 1, gone.pk: 1})
    browser = browser_with(session.session_key, csrf_checks=False)

    first = cart_api(browser)
    second = cart_api(browser)

    assert first == second == {tea.pk: 4, cup.pk: 1}  # 2 + 3 capped by the stock of 4
    assert open_cart(("user", user.pk)).lines() == {tea.pk: 4, cup.pk: 1}
    assert session_cart(browser) == {tea.pk: 4, cup.pk: 1}  # the legacy side sees the same
    assert already_imported(session.session_key)  # migrate_session_carts will skip it


def test_a_cart_migrate_session_carts_imported_is_not_imported_again(user, tea, run_quietly):
    session = legacy_session(user, cart={tea.pk: 2})
    run_quietly("migrate_session_carts")

    assert cart_api(browser_with(session.session_key, csrf_checks=False)) == {tea.pk: 2}


def test_a_legacy_change_after_migrate_session_carts_reaches_the_bridge(
    user, tea, cup, run_quietly
):
    session = legacy_session(user, cart={tea.pk: 2})
    run_quietly("migrate_session_carts")
    # A legacy instance, still serving the shopper, adds a line after the import.
    session = reload(session)
    SessionCart(("session", ""), session=session, **settings.CARTS["OPTIONS"]).add(
        cup.pk, 1, limit=50
    )
    session.save()
    browser = browser_with(session.session_key, csrf_checks=False)

    assert cart_api(browser) == {tea.pk: 2, cup.pk: 1}
    assert cart_api(browser) == {tea.pk: 2, cup.pk: 1}  # applied once
    assert session_cart(browser) == {tea.pk: 2, cup.pk: 1}


@pytest.fixture
def run_quietly():
    def run(command, *args):
        call_command(command, *args, stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))  # noqa: SIM115

    return run


def test_a_legacy_guest_cart_gets_a_cart_token_and_follows_the_guest_into_sign_in(user, tea, cup):
    session = legacy_session(cart={tea.pk: 1})
    browser = browser_with(session.session_key, csrf_checks=False)
    open_cart(("user", user.pk)).add(cup.pk, 2, limit=50)

    response = browser.get("/api/v1/cart/")
    browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert lines_of(response) == {tea.pk: 1}
    assert response["X-Cart-Token"] and settings.CART_COOKIE in response.cookies
    assert open_cart(("guest", guest_cart_id(session.session_key))).lines() == {}  # merged
    assert cart_api(browser) == {tea.pk: 1, cup.pk: 2}
    assert session_cart(browser) == {tea.pk: 1, cup.pk: 2}


def a_browser():
    """A guest's browser: it has seen a page (and holds its CSRF cookie) before it writes."""
    browser = Client()
    browser.get("/cart/")
    assert browser.cookies
    return browser


def test_every_write_is_mirrored_into_the_legacy_session_cart(tea, cup):
    browser = a_browser()

    add(browser, tea, 2)
    after_add = session_cart(browser)
    add(browser, cup)
    browser.put(f"/api/v1/cart/items/{tea.pk}/", {"quantity": 3}, content_type="application/json")
    after_set = session_cart(browser)
    browser.delete(f"/api/v1/cart/items/{cup.pk}/")
    after_remove = session_cart(browser)
    browser.delete("/api/v1/cart/")

    assert after_add == {tea.pk: 2}
    assert after_set == {tea.pk: 3, cup.pk: 1}
    assert after_remove == {tea.pk: 3}
    assert session_cart(browser) == {} == cart_api(browser)


def test_a_legacy_change_since_the_last_mirror_is_merged_three_way(user, tea, cup):
    browser = signed_in(user)
    add(browser, tea, 2)
    open_cart(("user", user.pk)).add(cup.pk, 1, limit=50)  # another device, meanwhile

    on_a_legacy_instance(browser, lambda cart: cart.set(tea.pk, 3, limit=99))
    raised = cart_api(browser)
    on_a_legacy_instance(browser, lambda cart: cart.remove(tea.pk))
    removed = cart_api(browser)

    # The legacy instance's change on top of the Redis cart; the other device's line kept.
    assert raised == {tea.pk: 3, cup.pk: 1}
    assert removed == {cup.pk: 1}
    assert session_cart(browser) == {cup.pk: 1}


def test_a_legacy_addition_is_capped_like_a_sign_in_merge(user, tea):
    browser = signed_in(user)
    add(browser, tea, 3)

    on_a_legacy_instance(browser, lambda cart: cart.set(tea.pk, 9, limit=99))

    assert cart_api(browser) == {tea.pk: 4}  # the stock


def test_a_legacy_change_is_applied_once_however_many_requests_read_it(user, tea, cup):
    browser = signed_in(user)
    add(browser, tea, 1)
    on_a_legacy_instance(browser, lambda cart: cart.add(cup.pk, 2, limit=99))
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    options = settings.CARTS["OPTIONS"]

    # Two requests that loaded the session before either saved it.
    racing = [BridgeCart(("user", user.pk), session=reload_key(key), **options) for _ in range(2)]

    assert [cart.lines() for cart in racing] == [{tea.pk: 1, cup.pk: 2}] * 2


def test_a_checkout_on_a_legacy_instance_takes_the_lines_out_of_redis(user, tea, cup):
    browser = signed_in(user)
    add(browser, tea, 2)
    add(browser, cup, 1)

    on_a_legacy_instance(browser, lambda cart: cart.take({tea.pk: 2}))

    assert cart_api(browser) == {cup.pk: 1}
    assert open_cart(("user", user.pk)).lines() == {cup.pk: 1}


def test_a_guest_who_signs_in_on_a_legacy_instance_keeps_the_bridge_guest_cart(user, tea, cup):
    browser = a_browser()
    add(browser, tea, 1)  # a guest on the bridge: Redis guest cart, mirrored
    open_cart(("user", user.pk)).add(cup.pk, 1, limit=50)
    # login() on a legacy instance: the session keeps its data under a new key.
    session = reload_key(browser.cookies[settings.SESSION_COOKIE_NAME].value)
    session.cycle_key()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    assert cart_api(browser) == {tea.pk: 1, cup.pk: 1}
    assert cart_api(browser) == {tea.pk: 1, cup.pk: 1}  # merged once


def test_api_clients_get_no_session_and_no_mirror(user, tea, client):
    tokens = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    ).json()
    api = Client()

    add(api, tea, 1, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    add(Client(), tea, 1, HTTP_X_CART_TOKEN="")  # a guest app: the token comes back in a header

    assert not Session.objects.exists()


def test_a_guest_reading_an_empty_cart_gets_no_session(tea):
    browser = Client()

    assert cart_api(browser) == {}
    assert settings.SESSION_COOKIE_NAME not in browser.cookies
    assert not Session.objects.exists()


def test_a_corrupt_session_cart_is_replaced_from_redis_not_an_error(user, tea):
    browser = signed_in(user)
    add(browser, tea, 1)
    session = reload_key(browser.cookies[settings.SESSION_COOKIE_NAME].value)
    session["cart"] = ["not", "a", "cart"]
    session.save()

    assert cart_api(browser) == {tea.pk: 1}
    assert session_cart(browser) == {tea.pk: 1}
    assert reload(session)["cart"] == {str(tea.pk): 1}
