"""`make screenshots`: PNGs of the main pages, desktop and phone, for the README.

Marked ``screenshots`` and left out of `make test`; it asserts only that each page
rendered, the pictures are for people.
"""

from pathlib import Path

import pytest

from carts.backends import open_cart
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.screenshots, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 375, "height": 812}}


def test_take_screenshots(chromium, cluster, seeded):
    OUT.mkdir(parents=True, exist_ok=True)
    for device, viewport in VIEWPORTS.items():
        context = chromium.new_context(
            base_url=cluster.url, viewport=viewport, is_mobile=device == "phone"
        )
        page = context.new_page()
        _sign_in(page)
        for name, path in [
            ("catalog", "/"),
            ("product", "/products/sencha/"),
            ("cart", "/cart/"),
            ("checkout", "/checkout/"),
            ("account", "/accounts/"),
        ]:
            response = page.goto(path)
            assert response.ok, (path, response.status)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / f"{name}-{device}.png", full_page=device == "desktop")
        context.close()


@pytest.fixture
def seeded(shop_data):
    shopper = shop_data["staff"]
    cart = open_cart(("user", shopper.pk))
    cart.add(shop_data["products"]["sencha"].pk, 2, limit=10)
    cart.add(shop_data["products"]["kenya"].pk, 1, limit=10)
    return shop_data


def _sign_in(page):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("staff@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")
