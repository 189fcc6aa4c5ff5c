"""Against sessions made by a real legacy instance (gunicorn, shop.settings.legacy): carts
move into Redis exactly, and the legacy profile serves its uploads at /media/."""

import pytest
import requests
from django.conf import settings

from carts.backends import open_cart
from shop.migration.carts import guest_cart_id
from tests.factories import APP_HASHER, make_product, make_user

from .conftest import STORES, session_cache

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
TIMEOUT = 10


def _post(browser, url, data, form_page=None):
    # For the CSRF cookie, from the page that shows the form, as a browser would have it.
    browser.get(form_page or url, timeout=TIMEOUT)
    return browser.post(
        url,
        data={**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize(
    ("store", "reader"),
    [
        ("db", {"BACKEND": f"{STORES}.DatabaseStore"}),
        ("redis", {"BACKEND": f"{STORES}.CacheStore", "OPTIONS": {"CACHE": session_cache()}}),
    ],
)
def test_carts_of_a_legacy_instance_land_in_redis_exactly(
    store, reader, start_instance, run, settings
):
    port, _ = start_instance(
        env={"DJANGO_SETTINGS_MODULE": "shop.settings.legacy", "LEGACY_SESSION_STORE": store},
        workers=1,
    )
    legacy = f"http://127.0.0.1:{port}"
    tea, cup = make_product(stock=10), make_product(stock=10)
    user = make_user(password=PASSWORD, hasher=APP_HASHER)
    with requests.Session() as shopper, requests.Session() as visitor:
        signed_in = _post(
            shopper, f"{legacy}/accounts/login/", {"username": user.email, "password": PASSWORD}
        )
        add = f"{legacy}/cart/add/"
        _post(shopper, add, {"product_id": tea.pk, "quantity": 2}, f"{legacy}/accounts/login/")
        _post(visitor, add, {"product_id": cup.pk, "quantity": 3}, f"{legacy}/accounts/login/")
        visitor_session = visitor.cookies["sessionid"]
    assert signed_in.status_code == 302, signed_in.text[:300]
    settings.LEGACY_SESSIONS = reader

    status, out = run("migrate_session_carts")
    again = run("migrate_session_carts")

    assert status == 0, out
    assert open_cart(("user", user.pk)).lines() == {tea.pk: 2}
    assert open_cart(("guest", guest_cart_id(visitor_session))).lines() == {cup.pk: 3}
    assert "2 moved" in out and "0 moved, 2 skipped" in again[1]


def test_the_legacy_profile_serves_its_uploads_at_media(start_instance, tmp_path):
    image = settings.BASE_DIR / "media" / "migration-test" / "served.txt"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(b"an upload on this instance's disk")
    try:
        port, _ = start_instance(env={"DJANGO_SETTINGS_MODULE": "shop.settings.legacy"})
        served = requests.get(
            f"http://127.0.0.1:{port}/media/migration-test/served.txt", timeout=TIMEOUT
        )
        missing = requests.get(f"http://127.0.0.1:{port}/media/migration-test/no.txt", timeout=5)
    finally:
        image.unlink()
        image.parent.rmdir()

    assert served.status_code == 200 and served.content == b"an upload on this instance's disk"
    assert missing.status_code == 404
