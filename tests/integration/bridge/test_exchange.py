"""The bridge identity: a legacy session becomes JWT cookies, and only a valid one does.

"Valid" is Django's own ``get_user()``: the session is live, its user active, and its
``_auth_user_hash`` matches the current password hash under ``SECRET_KEY`` or a fallback.
Everything else is "not signed in": never a 500, never a JWT.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.identity.bridge import EXCHANGED_KEY
from accounts.models import SignIn

from .conftest import PASSWORD, browser_with, csrf_token, legacy_session, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bridge")]

JWT_COOKIES = ("shop_access", "shop_refresh")


def account_page(browser):
    return browser.get("/accounts/", follow=False)


def signed_in_as(response, user):
    return response.status_code == 200 and user.email in response.content.decode()


def test_a_valid_legacy_session_is_exchanged_for_jwt_cookies(user):
    session = legacy_session(user)
    browser = browser_with(session.session_key)

    page = account_page(browser)

    assert signed_in_as(page, user)
    assert all(page.cookies[name].value for name in JWT_COOKIES)
    assert page.cookies[settings.AUTH_PAIR_COOKIE].value
    assert EXCHANGED_KEY in reload(session)  # end_legacy_sessions finds it
    assert SignIn.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    # The JWT cookies alone carry the sign-in from now on: no second exchange.
    again = account_page(browser)
    assert signed_in_as(again, user) and "shop_access" not in again.cookies
    assert SignIn.objects.filter(user=user).count() == 1


def test_a_session_under_a_rotated_secret_key_is_still_exchanged(user, settings):
    session = legacy_session(user)  # hashed and signed with the old key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    assert signed_in_as(account_page(browser_with(session.session_key)), user)


def _refused(browser):
    page = account_page(browser)
    return (
        page.status_code == 302
        and "/accounts/login/" in page["Location"]
        and not any(name in page.cookies and page.cookies[name].value for name in JWT_COOKIES)
    )


def test_an_expired_session_is_not_exchanged(user):
    session = legacy_session(user)
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert _refused(browser_with(session.session_key))
    assert not SignIn.objects.exists()


def test_a_session_from_before_a_password_change_is_not_exchanged(user):
    session = legacy_session(user)
    user.set_password("a different horse battery")
    user.save()

    assert _refused(browser_with(session.session_key))
    assert not SignIn.objects.exists()


def test_a_session_of_a_deactivated_user_is_not_exchanged(user):
    session = legacy_session(user)
    user.is_active = False
    user.save()

    assert _refused(browser_with(session.session_key))
    assert not SignIn.objects.exists()


def test_a_session_through_a_backend_no_longer_configured_is_not_exchanged(user):
    session = legacy_session(user)
    session["_auth_user_backend"] = "legacy.auth.RemovedBackend"
    session.save()

    assert _refused(browser_with(session.session_key))


@pytest.mark.parametrize(
    "cookie",
    [
        "x",  # too short to be a key
        "k" * 32,  # a well-formed key no store has
        "../../etc/passwd",
        "' OR 1=1 --",
        "a" * 4000,
        "%00%ff\\u2603",
    ],
    ids=["short", "unknown", "path", "quote", "long", "escapes"],
)
def test_a_forged_session_cookie_is_not_signed_in_and_never_an_error(cookie):
    browser = browser_with(cookie)

    assert _refused(browser)
    assert browser.get("/api/v1/cart/").status_code == 200
    assert browser.get("/cart/").status_code == 200


def test_an_undecodable_session_is_not_signed_in(user):
    session = legacy_session(user)
    Session.objects.filter(pk=session.session_key).update(session_data="not:signed:at:all")

    assert _refused(browser_with(session.session_key))


def test_a_session_naming_a_user_id_our_model_cannot_read_is_not_signed_in(user):
    session = legacy_session(user)
    session[SESSION_KEY] = "not-a-number"
    session.save()

    assert _refused(browser_with(session.session_key))


def _sign_in(browser, user, password=PASSWORD):
    browser.get("/accounts/login/")
    return browser.post(
        "/accounts/login/",
        {"username": user.email, "password": password, "csrfmiddlewaretoken": csrf_token(browser)},
    )


def test_sign_in_on_the_bridge_writes_the_legacy_session_too(user):
    browser = Client(enforce_csrf_checks=True)

    response = _sign_in(browser, user)

    assert response.status_code == 302
    assert all(response.cookies[name].value for name in JWT_COOKIES)
    session = reload_from(browser)
    # What a legacy instance's get_user() checks: the user, the backend and the hash.
    assert session[SESSION_KEY] == str(user.pk)
    assert session["_auth_user_hash"] == user.get_session_auth_hash()
    assert EXCHANGED_KEY in session
    # Both sides' cookies side by side, every one on "/".
    both = [settings.SESSION_COOKIE_NAME, *JWT_COOKIES, settings.AUTH_PAIR_COOKIE]
    assert all(response.cookies[name].value for name in both)
    assert {response.cookies[name]["path"] for name in both} == {"/"}


def test_no_cookie_of_the_bridge_shares_a_name_with_another():
    names = [
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        settings.AUTH_ACCESS_COOKIE,
        settings.AUTH_REFRESH_COOKIE,
        settings.AUTH_HINT_COOKIE,
        settings.AUTH_PAIR_COOKIE,
        settings.CART_COOKIE,
        settings.CART_COUNT_COOKIE,
        settings.LANGUAGE_COOKIE_NAME,
        CookieStorage.cookie_name,  # the flash messages
    ]

    assert len(set(names)) == len(names), names


def reload_from(browser):
    return Session.objects.get(pk=browser.cookies[settings.SESSION_COOKIE_NAME].value).get_decoded()


def test_sign_out_on_the_bridge_ends_both(user):
    browser = Client(enforce_csrf_checks=True)
    _sign_in(browser, user)
    stolen = {name: browser.cookies[name].value for name in browser.cookies}

    signed_out = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(browser)})

    assert signed_out.status_code == 302
    assert not Session.objects.filter(pk=stolen[settings.SESSION_COOKIE_NAME]).exists()
    assert SignIn.objects.get(user=user).revoked_at is not None
    replay = Client()
    for name, value in stolen.items():  # the old cookies are dead, each of them
        replay.cookies[name] = value
    assert _refused(replay)


def test_a_sign_out_on_a_legacy_instance_ends_the_bridge_sign_in(user):
    browser = Client(enforce_csrf_checks=True)
    _sign_in(browser, user)
    # A legacy instance's logout(): the session flushed, its cookie deleted.
    Session.objects.filter(pk=browser.cookies[settings.SESSION_COOKIE_NAME].value).delete()
    del browser.cookies[settings.SESSION_COOKIE_NAME]

    assert _refused(browser)
    assert SignIn.objects.get(user=user).revoked_at is not None


def test_another_shopper_signing_in_on_a_legacy_instance_replaces_the_bridge_sign_in(user):
    from tests.factories import make_user

    other = make_user(email="other@example.com", password=PASSWORD)
    browser = Client(enforce_csrf_checks=True)
    _sign_in(browser, user)
    # On a legacy instance: the first shopper signs out, the second signs in.
    browser.cookies[settings.SESSION_COOKIE_NAME] = legacy_session(other).session_key

    page = account_page(browser)

    assert signed_in_as(page, other)
    assert SignIn.objects.get(user=user).revoked_at is not None


def test_a_jwt_sign_in_made_without_a_session_is_left_alone(user, client):
    # As the stateless release signs in: JWT cookies, no legacy session, no pair.
    tokens = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    ).json()
    browser = Client()
    browser.cookies["shop_access"], browser.cookies["shop_refresh"] = (
        tokens["access"],
        tokens["refresh"],
    )

    assert signed_in_as(account_page(browser), user)
    assert not Session.objects.exists()


def test_a_tampered_pair_cookie_is_ignored(user, client):
    browser = Client(enforce_csrf_checks=True)
    _sign_in(browser, user)
    browser.cookies[settings.AUTH_PAIR_COOKIE] = "1:forged"
    del browser.cookies[settings.SESSION_COOKIE_NAME]

    assert signed_in_as(account_page(browser), user)


def test_a_password_change_on_the_bridge_keeps_both_sides_signed_in(user):
    browser = Client(enforce_csrf_checks=True)
    _sign_in(browser, user)

    changed = browser.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new horse battery",
            "new_password2": "a brand new horse battery",
            "csrfmiddlewaretoken": csrf_token(browser),
        },
    )

    assert changed.status_code == 302, changed.content[:300]
    user.refresh_from_db()
    assert signed_in_as(account_page(browser), user)
    assert reload_from(browser)["_auth_user_hash"] == user.get_session_auth_hash()


def test_an_exchange_while_redis_is_down_is_a_503_not_a_guest(user, settings):
    session = legacy_session(user)
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/15"},
    }
    browser = browser_with(session.session_key)

    account, cart = browser.get("/accounts/"), browser.get("/api/v1/cart/")
    catalog = browser.get("/")

    assert account.status_code == 503 and cart.status_code == 503
    assert catalog.status_code == 200
    assert not SignIn.objects.exists()  # the half-made sign-in was rolled back


def test_a_bridge_sign_in_ended_elsewhere_ends_its_session_instead_of_being_exchanged(user):
    from accounts.services import user_revoke_all

    browser = Client(enforce_csrf_checks=True)
    _sign_in(browser, user)
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    user_revoke_all(user_id=user.pk)  # "sign out everywhere", from another device

    assert _refused(browser)
    assert not Session.objects.filter(pk=session_key).exists()
    assert not SignIn.objects.filter(revoked_at__isnull=True).exists()


def test_a_session_whose_bridge_sign_in_merely_expired_is_exchanged_again(user, settings):
    browser = Client(enforce_csrf_checks=True)
    _sign_in(browser, user)
    for name in JWT_COOKIES:  # as a browser drops cookies past their max-age
        del browser.cookies[name]

    assert signed_in_as(account_page(browser), user)
    assert SignIn.objects.filter(user=user, revoked_at__isnull=True).count() == 2
