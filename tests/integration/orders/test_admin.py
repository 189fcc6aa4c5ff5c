import pytest
from django.test import Client

from shop.catalog.models import Product
from shop.orders.models import Order
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "a long staff password"


@pytest.fixture
def staff():
    admin = Client()
    staff = make_staff(password=PASSWORD)
    admin.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    return admin


@pytest.fixture
def order(shopper, products):
    shopper.add(products["sencha"], 4)
    return Order.objects.get(pk=shopper.checkout().json()["id"])


def _action(staff, action, *orders):
    return staff.post(
        "/admin/orders/order/",
        {"action": action, "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def test_the_order_list_searches_and_filters(staff, order):
    by_number = staff.get("/admin/orders/order/", {"q": order.number}).content.decode()
    by_email = staff.get("/admin/orders/order/", {"q": "ada@example.com"}).content.decode()
    shipped = staff.get("/admin/orders/order/", {"status__exact": "shipped"}).content.decode()
    detail = staff.get(f"/admin/orders/order/{order.pk}/change/")

    assert order.number in by_number and order.number in by_email
    assert order.number not in shipped
    assert detail.status_code == 200 and "Sencha" in detail.content.decode()


def test_cancelling_restores_the_stock_exactly_once(
    staff, order, django_capture_on_commit_callbacks
):
    assert Product.objects.get(slug="sencha").stock == 6

    with django_capture_on_commit_callbacks(execute=True):
        first = _action(staff, "mark_cancelled", order)
        second = _action(staff, "mark_cancelled", order)

    assert Product.objects.get(slug="sencha").stock == 10
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert "1 order(s) marked cancelled" in first.content.decode()
    assert "1 order(s) skipped" in second.content.decode()


def test_orders_move_through_paid_and_shipped_but_a_shipped_order_is_not_cancelled(staff, order):
    _action(staff, "mark_paid", order)
    _action(staff, "mark_shipped", order)
    refused = _action(staff, "mark_cancelled", order)

    order.refresh_from_db()
    assert order.status == "shipped"
    assert "skipped" in refused.content.decode()
    assert Product.objects.get(slug="sencha").stock == 6


def test_orders_cannot_be_added_or_deleted_in_the_admin(staff, order):
    assert staff.get("/admin/orders/order/add/").status_code == 403
    assert staff.get(f"/admin/orders/order/{order.pk}/delete/").status_code == 403
