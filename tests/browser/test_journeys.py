"""Shoppers and staff in real Chromium, through nginx and three gunicorn instances."""

import os
import re
import signal

import pytest
from django.conf import settings
from playwright.sync_api import expect

from shop.catalog.models import Product
from shop.orders.models import Order
from tests.browser.conftest import PASSWORD
from tests.factories import image_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _browse_and_fill_cart(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="Products")).to_be_visible()
    page.get_by_role("searchbox", name="Search products").fill("sencha")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Results for “sencha”")).to_be_visible()
    page.get_by_role("link", name="Sencha").first.click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-form-status]")).to_have_text("Added to your cart.")
    expect(page.locator(".cart-count")).to_have_text("2")
    page.goto("/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Coffee").click()
    page.get_by_role("link", name="Kenya AA").click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-count")).to_have_text("3")


def _register(page, email):
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()


def _check_out(page):
    page.goto("/cart/")
    expect(page.locator("[data-total-quantity]")).to_have_text("3")
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Address", exact=True).fill("12 St James's Square")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("SW1Y 4JH")
    page.get_by_label("Country").fill("gb")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you! Your order is placed")).to_be_visible()
    number = re.search(r"SS-[0-9A-Z]{4}-[0-9A-Z]{4}", page.locator("h1").inner_text()).group(0)
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_role("link", name=number)).to_be_visible()
    return number


def test_a_guest_browses_fills_a_cart_registers_and_orders(page, shop_data):
    _browse_and_fill_cart(page)
    _register(page, "ada@example.com")
    expect(page.get_by_text("2 items from your visit were added")).to_be_visible()
    number = _check_out(page)

    order = Order.objects.get(number=number)
    assert [(line.product_name, line.quantity) for line in order.lines.all()] == [
        ("Sencha", 2),
        ("Kenya AA", 1),
    ]
    assert Product.objects.get(slug="sencha").stock == 18
    assert len(set(page.served_by)) >= 2, page.served_by  # no affinity: many workers served it


def test_the_journey_survives_an_instance_killed_in_the_middle(page, shop_data, cluster):
    _browse_and_fill_cart(page)
    _register(page, "grace@example.com")
    victim = cluster.instances[0]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()

    page.goto("/accounts/")
    expect(page.get_by_text("Signed in as grace@example.com")).to_be_visible()
    number = _check_out(page)

    assert Order.objects.filter(number=number, user__email="grace@example.com").exists()


def test_staff_create_a_product_with_an_image_that_the_storefront_shows(page, shop_data):
    page.goto("/admin/")
    page.locator("#id_username").fill("staff@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Products")).to_be_visible()
    page.goto("/admin/catalog/product/add/")
    page.get_by_label("Name:").press_sequentially("Gooseneck Kettle")
    expect(page.get_by_label("Slug:")).to_have_value("gooseneck-kettle")  # prepopulated
    page.locator(".field-category .select2-selection").click()  # the autocomplete widget
    page.locator(".select2-search__field").fill("Tea")
    page.locator(".select2-results__option", has_text="Tea").click()
    page.get_by_label("Price:").fill("49.00")
    page.get_by_label("Stock:").fill("7")
    page.set_input_files("#id_image", _png_file())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    page.goto("/products/gooseneck-kettle/")
    image = page.get_by_role("img", name="Gooseneck Kettle")
    expect(image).to_be_visible()
    product = Product.objects.get(slug="gooseneck-kettle")
    assert image.get_attribute("src") == product.image_url
    assert product.image_url.startswith(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"])
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


@pytest.mark.parametrize(
    "path", ["/", "/products/sencha/", "/cart/", "/accounts/login/", "/accounts/register/"]
)
def test_pages_fit_a_phone_without_horizontal_scrolling(chromium, cluster, shop_data, path):
    context = chromium.new_context(
        base_url=cluster.url, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    if path == "/cart/":  # with lines in it: the widest state of the page
        page.goto("/products/sencha/")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator(".cart-count")).to_have_text("1")
    page.goto(path)

    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375


def _png_file():
    upload = image_upload("kettle.png", size=(320, 320), colour="navy")
    return {"name": "kettle.png", "mimeType": "image/png", "buffer": upload.read()}


def test_cart_quantities_change_in_place_with_javascript(page, shop_data):
    page.goto("/products/sencha/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-count")).to_have_text("1")
    page.goto("/cart/")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    page.get_by_label("Quantity of Sencha").fill("3")
    page.get_by_role("button", name="Update").click()

    expect(page.locator("[data-subtotal]")).to_have_text("$37.50")
    expect(page.locator(".cart-count")).to_have_text("3")
    assert page.evaluate("window.__sameDocument") is True


def test_everything_works_without_javascript(chromium, cluster, shop_data):
    context = chromium.new_context(base_url=cluster.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/products/kenya-aa/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    expect(page.locator("[data-total-quantity]")).to_have_text("2")
    page.get_by_role("button", name="Remove Kenya AA").click()
    expect(page.get_by_text("Your cart is empty")).to_be_visible()
    context.close()
