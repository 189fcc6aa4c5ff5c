"""The legacy profile with each session store LEGACY_SESSION_STORE offers: a browser-less
journey through a real instance, from sign-in to a placed order and sign-out.

One worker per instance: ``locmem`` and ``file`` keep sessions in one process (or on one
disk), which is what ``check --tag stateless`` reports them for, not what is tested here.
"""

import pytest

from shop.orders.models import Order
from tests.factories import APP_HASHER, make_product, make_user
from tests.shopper import Shopper

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


@pytest.mark.parametrize("store", ["db", "cached_db", "redis", "locmem", "file"])
def test_a_legacy_shopper_signs_in_fills_a_cart_and_checks_out(store, start_instance):
    port, _ = start_instance(
        env={"DJANGO_SETTINGS_MODULE": "shop.settings.legacy", "LEGACY_SESSION_STORE": store},
        workers=1,
    )
    tea, cup = make_product(stock=10), make_product(stock=10)
    user = make_user(password=PASSWORD, hasher=APP_HASHER)
    shopper = Shopper(f"http://127.0.0.1:{port}")

    shopper.sign_in(user, PASSWORD)
    shopper.add(tea, 2)
    shopper.add(cup, 1)
    shopper.set_quantity(cup, 3)
    cart = shopper.cart()
    placed = shopper.place_order(shopper.checkout_form())
    orders = shopper.get("/orders/")
    shopper.post_form("/accounts/logout/", {})

    assert cart == {tea.pk: 2, cup.pk: 3}
    assert placed.status_code == 302 and "/orders/" in placed.headers["Location"]
    (order,) = Order.objects.filter(user=user)
    assert {line.product_id: line.quantity for line in order.lines.all()} == cart
    assert orders.status_code == 200 and f"/orders/{order.pk}/" in orders.text
    assert shopper.cart() == {}
    assert not shopper.signed_in_as(user)
    tea.refresh_from_db()
    assert tea.stock == 8
