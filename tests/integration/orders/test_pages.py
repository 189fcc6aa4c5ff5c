"""Ordering from the browser: checkout page, confirmation, history."""

import pytest
from django.conf import settings
from django.test import Client

from shop.orders.models import Order
from shop.orders.payments import PayOnDelivery
from tests.factories import ADDRESS, make_user
from tests.pages import value

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _csrf(client):
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.fixture
def browser(products):
    user = make_user(email="ada@example.com", password=PASSWORD)
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    browser.post(
        "/accounts/login/",
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(browser)},
    )
    browser.post(
        "/cart/add/",
        {
            "product_id": products["sencha"].pk,
            "quantity": "2",
            "csrfmiddlewaretoken": _csrf(browser),
        },
    )
    return browser


def _checkout_form(browser, **changes):
    key = value(browser.get("/checkout/").content, "input[name=idempotency_key]")
    fields = {f"ship_{name}": value for name, value in ADDRESS.items()}
    return {**fields, "idempotency_key": key, "csrfmiddlewaretoken": _csrf(browser), **changes}


def test_a_shopper_orders_and_sees_the_order_in_the_history(
    browser, django_capture_on_commit_callbacks
):
    form = _checkout_form(browser)

    with django_capture_on_commit_callbacks(execute=True):
        placed = browser.post("/checkout/", form)
    confirmation = browser.get(placed["Location"])
    history = browser.get("/orders/").content.decode()

    order = Order.objects.get()
    assert placed.status_code == 302 and placed["Location"] == f"/orders/{order.pk}/?placed=1"
    assert "Thank you! Your order is placed" in confirmation.content.decode()
    assert order.number in history and "$25.00" in history
    assert "Your cart is empty" in browser.get("/cart/").content.decode()


def test_a_double_submitted_checkout_form_places_one_order(browser):
    form = _checkout_form(browser)

    first = browser.post("/checkout/", form)
    second = browser.post("/checkout/", form)

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_bad_address_is_shown_with_clear_errors(browser):
    form = _checkout_form(browser, ship_country="G1", ship_city="")

    response = browser.post("/checkout/", form)

    html = response.content.decode()
    assert response.status_code == 400
    assert "A two-letter country code, such as FR." in html and "This field is required." in html
    assert not Order.objects.exists()


def test_the_checkout_page_needs_a_signed_in_shopper(products):
    response = Client().get("/checkout/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_users_order_page_is_a_404(browser, products):
    browser.post("/checkout/", _checkout_form(browser))
    order = Order.objects.get()
    stranger = make_user(password=PASSWORD)
    other = Client()
    other.post("/accounts/login/", {"username": stranger.email, "password": PASSWORD})

    assert other.get(f"/orders/{order.pk}/").status_code == 404


def test_not_enough_stock_shows_the_form_again_with_the_reason(browser, products):
    form = _checkout_form(browser)
    products["sencha"].__class__.objects.filter(pk=products["sencha"].pk).update(stock=1)

    response = browser.post("/checkout/", form)

    assert response.status_code == 409
    assert "Not enough stock for: Sencha (1 left)." in response.content.decode()
    assert value(response.content, "input[name=idempotency_key]") != form["idempotency_key"]
    assert not Order.objects.exists()


class CardAtTheDoor(PayOnDelivery):
    name, label = "card_at_the_door", "Card at the door"


def test_the_checkout_page_names_the_configured_payment_provider(browser, settings):
    default = browser.get("/checkout/").content.decode()
    settings.PAYMENT_PROVIDERS = [f"{__name__}.CardAtTheDoor"]

    configured = browser.get("/checkout/").content.decode()

    assert "Pay on delivery." in default
    assert "Card at the door." in configured and "Pay on delivery" not in configured
