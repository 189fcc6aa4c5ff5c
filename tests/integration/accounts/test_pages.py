"""Browser sign-in through the pages: JWT cookies, CSRF, rotation, devices."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings

from accounts.models import SignIn
from tests.factories import make_staff, make_user
from tests.integration.accounts.conftest import FIREFOX, PASSWORD, browser_sign_in, csrf_token

pytestmark = pytest.mark.django_db

ACCESS, REFRESH = settings.AUTH_ACCESS_COOKIE, settings.AUTH_REFRESH_COOKIE
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def _me(client, access):
    return client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_sign_in_sets_httponly_lax_cookies_and_rotates_the_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    before = csrf_token(browser)

    response = browser.post(
        "/accounts/login/",
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": before},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/"
    for name in (ACCESS, REFRESH):
        cookie = response.cookies[name]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
        assert not cookie["secure"]  # development over plain HTTP
    assert response.cookies[REFRESH]["max-age"] == 7 * 24 * 3600
    assert csrf_token(browser) != before


@override_settings(
    AUTH_COOKIE_SECURE=True,
    AUTH_ACCESS_COOKIE="__Host-shop_access",
    AUTH_REFRESH_COOKIE="__Host-shop_refresh",
)
def test_cookies_are_secure_with_host_prefix_when_configured_as_in_production(user):
    browser = Client()
    response = browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    for name in ("__Host-shop_access", "__Host-shop_refresh"):
        assert response.cookies[name]["secure"] and response.cookies[name]["httponly"]
    assert browser.get("/accounts/").status_code == 200


def test_a_cross_site_login_post_without_csrf_signs_nobody_in(user):
    attacker = Client(enforce_csrf_checks=True)

    response = attacker.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert ACCESS not in response.cookies
    assert not SignIn.objects.exists()


@override_settings(ROOT_URLCONF="tests.integration.accounts.urls")
def test_cookie_authenticated_writes_need_csrf_but_bearer_ones_do_not(browser, api_tokens):
    without = browser.post("/api/test/echo/", {}, content_type="application/json")
    with_token = browser.post(
        "/api/test/echo/",
        {},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_token(browser),
    )
    bearer = Client(enforce_csrf_checks=True).post(
        "/api/test/echo/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_tokens()['access']}",
    )

    assert without.status_code == 403 and "CSRF" in without.json()["detail"]
    assert with_token.status_code == 200
    assert bearer.status_code == 200


def test_an_expired_access_cookie_is_rotated_transparently(user, settings):
    usual = settings.SIMPLE_JWT
    # No clock-skew leeway: the token must really have expired after the sleep below.
    usual = {**usual, "LEEWAY": 0}
    settings.SIMPLE_JWT = {**usual, "ACCESS_TOKEN_LIFETIME": timedelta(seconds=1)}
    browser = browser_sign_in(user)
    old_access, old_refresh = browser.cookies[ACCESS].value, browser.cookies[REFRESH].value
    time.sleep(2.1)
    settings.SIMPLE_JWT = usual  # the rotated pair lives long enough to be checked below

    page = browser.get("/accounts/")

    assert page.status_code == 200 and user.email in page.content.decode()
    assert page.cookies[ACCESS].value not in ("", old_access)
    assert page.cookies[REFRESH].value not in ("", old_refresh)
    assert _me(Client(), old_access).status_code == 401  # expired
    assert _me(Client(), page.cookies[ACCESS].value).status_code == 200


def test_a_browser_that_dropped_its_access_cookie_is_signed_in_again_from_the_refresh(browser):
    del browser.cookies[ACCESS]

    page = browser.get("/accounts/")

    assert page.status_code == 200
    assert page.cookies[ACCESS].value


def test_a_revoked_refresh_cookie_is_cleared_and_the_page_is_anonymous(browser, user):
    user.set_password("another long passphrase")
    user.save()
    del browser.cookies[ACCESS]

    page = browser.get("/accounts/")

    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert page.cookies[REFRESH].value == "" and page.cookies[REFRESH]["max-age"] == 0


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("https://evil.example/steal", "/accounts/"),
        ("//evil.example/", "/accounts/"),
        ("/products/sencha/", "/products/sencha/"),
    ],
)
def test_only_safe_next_urls_are_followed(user, next_url, landing):
    browser = browser_sign_in(user, next_url=next_url)

    assert browser.sign_in_response["Location"] == landing


def test_logout_is_post_only_and_kills_the_tokens_at_once(browser):
    access = browser.cookies[ACCESS].value

    by_get = browser.get("/accounts/logout/")
    by_post = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(browser)})

    assert by_get.status_code == 405
    assert by_post.status_code == 302
    assert by_post.cookies[ACCESS].value == "" and by_post.cookies[REFRESH].value == ""
    assert _me(Client(), access).status_code == 401
    assert browser.get("/accounts/").status_code == 302


def test_register_page_refuses_a_weak_password_and_signs_in_on_success():
    browser = Client()
    weak = browser.post(
        "/accounts/register/",
        {"email": "new@example.com", "password1": "12345678", "password2": "12345678"},
    )
    good = browser.post(
        "/accounts/register/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert weak.status_code == 400 and "too common" in weak.content.decode()
    assert good.status_code == 302 and good["Location"] == "/accounts/"
    assert browser.get("/accounts/").status_code == 200


def test_account_page_lists_devices_and_signs_out_one_only(user):
    laptop = browser_sign_in(user)
    phone = browser_sign_in(user, user_agent=IPHONE)
    page = laptop.get("/accounts/").content.decode()
    phone_sign_in = SignIn.objects.exclude(user_agent=FIREFOX).get()

    response = laptop.post(
        f"/accounts/sign-ins/{phone_sign_in.pk}/end/",
        {"csrfmiddlewaretoken": csrf_token(laptop)},
    )

    assert "Firefox on Ubuntu" in page and "Mobile Safari on iOS" in page
    assert "(this device)" in page
    assert response.status_code == 302
    del phone.cookies[ACCESS]
    assert phone.get("/accounts/").status_code == 302  # phone is signed out
    assert laptop.get("/accounts/").status_code == 200  # laptop is not


def test_one_cannot_end_someone_elses_sign_in(browser):
    stranger = make_user(password=PASSWORD)
    browser_sign_in(stranger)
    theirs = SignIn.objects.get(user=stranger)

    browser.post(
        f"/accounts/sign-ins/{theirs.pk}/end/", {"csrfmiddlewaretoken": csrf_token(browser)}
    )

    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_sign_out_everywhere_ends_every_sign_in(user):
    first, second = browser_sign_in(user), browser_sign_in(user)

    response = first.post(
        "/accounts/sign-out-everywhere/", {"csrfmiddlewaretoken": csrf_token(first)}
    )

    assert response.status_code == 302
    for client in (first, second):
        del client.cookies[ACCESS]
        assert client.get("/accounts/").status_code == 302


def test_changing_the_password_keeps_this_browser_and_ends_the_others(user):
    this, other = browser_sign_in(user), browser_sign_in(user)

    response = this.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a completely new passphrase",
            "new_password2": "a completely new passphrase",
            "csrfmiddlewaretoken": csrf_token(this),
        },
    )

    assert response.status_code == 302
    assert this.get("/accounts/").status_code == 200
    del other.cookies[ACCESS]
    assert other.get("/accounts/").status_code == 302
    user.refresh_from_db()
    assert user.check_password("a completely new passphrase")


def test_a_wrong_old_password_changes_nothing(browser, user):
    response = browser.post(
        "/accounts/password/",
        {
            "old_password": "not it",
            "new_password1": "a completely new passphrase",
            "new_password2": "a completely new passphrase",
            "csrfmiddlewaretoken": csrf_token(browser),
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_login_page_throttles_failures_with_429(user, settings):
    settings.LOGIN_FAILURES_PER_EMAIL = 2
    browser = Client()
    for _ in range(2):
        browser.post("/accounts/login/", {"username": user.email, "password": "nope"})

    response = browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert ACCESS not in response.cookies


def test_staff_sign_in_to_the_admin_with_jwt_cookies_and_sign_out(db):
    staff = make_staff(password=PASSWORD)
    shopper = make_user(password=PASSWORD)
    admin = Client(enforce_csrf_checks=True)
    admin.get("/admin/login/")

    refused = admin.post(
        "/admin/login/?next=/admin/",
        {"username": shopper.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(admin)},
    )
    signed_in = admin.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(admin)},
    )
    index = admin.get("/admin/")
    access = admin.cookies[ACCESS].value
    signed_out = admin.post("/admin/logout/", {"csrfmiddlewaretoken": csrf_token(admin)})

    assert refused.status_code == 200 and "staff account" in refused.content.decode()
    assert signed_in.status_code == 302
    assert index.status_code == 200
    assert signed_out.status_code == 200
    assert _me(Client(), access).status_code == 401
    assert admin.get("/admin/").status_code == 302


def test_admin_password_change_keeps_the_staff_member_signed_in(db):
    staff = make_staff(password=PASSWORD)
    admin = Client()
    admin.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    elsewhere = browser_sign_in(staff)

    response = admin.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "new staff passphrase 9",
            "new_password2": "new staff passphrase 9",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/admin/password_change/done/"
    assert admin.get("/admin/").status_code == 200
    del elsewhere.cookies[ACCESS]
    assert elsewhere.get("/accounts/").status_code == 302


def test_no_session_row_is_written_by_an_admin_sign_in_and_a_shopper_journey(user):
    staff = make_staff(password=PASSWORD)
    admin = Client()
    admin.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    admin.get("/admin/catalog/product/")
    shopper = browser_sign_in(user)
    for path in ("/", "/accounts/", "/api/v1/products/"):
        shopper.get(path)
    shopper.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(shopper)})

    assert Session.objects.count() == 0
