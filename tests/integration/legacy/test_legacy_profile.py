"""The legacy profile is real: session sign-in and a session cart behind the same pages.

It runs in its own gunicorn process: DRF reads its settings when its views are first
imported, so a profile cannot be switched inside one test process.
"""

import pytest
import requests
from django.contrib.sessions.models import Session

from tests.factories import APP_HASHER, make_product, make_user
from tests.pages import text

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
TIMEOUT = 10


@pytest.fixture
def legacy(start_instance):
    port, _ = start_instance(env={"DJANGO_SETTINGS_MODULE": "shop.settings.legacy"}, workers=1)
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def user():
    return make_user(password=PASSWORD, hasher=APP_HASHER)


def _post(browser, url, data):
    browser.get(url, timeout=TIMEOUT)  # for the CSRF cookie, as a browser would have it
    return browser.post(
        url,
        data={**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def _csrf_field(browser):
    return {"csrfmiddlewaretoken": browser.cookies["csrftoken"]}


def test_a_shopper_signs_in_with_a_session_and_fills_a_session_cart(legacy, user):
    product = make_product(stock=10)

    with requests.Session() as browser:
        signed_in = _post(
            browser, f"{legacy}/accounts/login/", {"username": user.email, "password": PASSWORD}
        )
        account = browser.get(f"{legacy}/accounts/", allow_redirects=False, timeout=TIMEOUT)
        added = _post(browser, f"{legacy}/cart/add/", {"product_id": product.pk, "quantity": 2})
        cart = browser.get(f"{legacy}/cart/", timeout=TIMEOUT).text

    assert signed_in.status_code == 302, signed_in.text[:500]
    assert "sessionid" in signed_in.cookies
    assert account.status_code == 200 and user.email in account.text
    assert added.status_code == 302
    assert text(cart, "[data-total-quantity]") == "2"
    (session,) = Session.objects.all()  # the "before": state kept on the server
    assert session.get_decoded()["cart"] == {str(product.pk): 2}


def test_legacy_sign_out_ends_the_session(legacy, user):
    with requests.Session() as browser:
        _post(browser, f"{legacy}/accounts/login/", {"username": user.email, "password": PASSWORD})
        signed_out = _post(browser, f"{legacy}/accounts/logout/", {})
        after = browser.get(f"{legacy}/accounts/", allow_redirects=False, timeout=TIMEOUT)

    assert signed_out.status_code == 302
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]


def test_legacy_cart_api_writes_keep_csrf_for_the_session_cookie(legacy):
    product = make_product(stock=10)
    url = f"{legacy}/api/v1/cart/items/"
    body = {"product_id": product.pk}

    with requests.Session() as browser:
        browser.get(f"{legacy}/products/{product.slug}/", timeout=TIMEOUT)  # CSRF cookie
        added = browser.post(
            f"{legacy}/cart/add/",
            data={"product_id": product.pk, "quantity": 1, **_csrf_field(browser)},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        without = browser.post(url, json=body, timeout=TIMEOUT)
        with_header = browser.post(url, json=body, headers={"X-Cart-Token": "t"}, timeout=TIMEOUT)
        with_csrf = browser.post(
            url, json=body, headers={"X-CSRFToken": browser.cookies["csrftoken"]}, timeout=TIMEOUT
        )

    assert added.status_code == 302 and "sessionid" in added.cookies
    assert without.status_code == 403 and with_header.status_code == 403
    assert with_csrf.status_code == 200 and with_csrf.json()["total_quantity"] == 2


def test_legacy_password_change_keeps_this_session_and_the_api_reads_it(legacy, user):
    new = "another long passphrase"

    with requests.Session() as browser:
        anonymous = browser.get(f"{legacy}/api/v1/orders/", timeout=TIMEOUT)
        _post(browser, f"{legacy}/accounts/login/", {"username": user.email, "password": PASSWORD})
        changed = _post(
            browser,
            f"{legacy}/accounts/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        account = browser.get(f"{legacy}/accounts/", allow_redirects=False, timeout=TIMEOUT)
        orders = browser.get(f"{legacy}/api/v1/orders/", timeout=TIMEOUT)

    assert anonymous.status_code == 403  # the session world: no challenge to answer
    assert changed.status_code == 302, changed.text[:500]
    assert account.status_code == 200 and user.email in account.text
    assert orders.status_code == 200 and orders.json()["results"] == []
    user.refresh_from_db()
    assert user.check_password(new)
