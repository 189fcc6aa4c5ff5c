"""Rolling back the bridge release: bridge instances replaced one by one by legacy ones.

Shoppers who signed in on bridge instances stay signed in (the bridge wrote the legacy
session at sign-in) and keep their carts (the bridge mirrored every write into the
session cart), throughout the rolling rollback and after it (issue #11).
"""

import pytest

from shop.orders.models import Order
from tests.factories import APP_HASHER, make_product, make_user
from tests.shopper import Shopper

from .fleet import Fleet

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


@pytest.fixture
def fleet(instance_env):
    fleet = Fleet(instance_env, workers=1)  # five instance starts: one worker each
    yield fleet
    fleet.stop()


def test_shoppers_of_the_bridge_stay_signed_in_with_their_carts_through_a_rollback(fleet):
    tea, cup = make_product(stock=50), make_product(stock=50)
    user = make_user(password=PASSWORD, hasher=APP_HASHER)
    fleet.start("bridge", "bridge")
    shopper, guest = Shopper(fleet.url), Shopper(fleet.url)
    shopper.sign_in(user, PASSWORD)
    for product, quantity in ((tea, 2), (cup, 1), (tea, 1)):  # over both instances
        shopper.add(product, quantity)
        guest.add(product, quantity)
    expected = {tea.pk: 3, cup.pk: 1}

    for index in (0, 1):  # the legacy release back, one instance at a time
        fleet.replace(index, "legacy")

        assert all(shopper.signed_in_as(user) for _ in range(4))
        for base in fleet.urls():
            assert shopper.cart(base=base) == expected == guest.cart(base=base)

    # The legacy shop, on its own again, carries on where the bridge left off.
    shopper.set_quantity(cup, 3)
    expected[cup.pk] = 3
    assert [shopper.cart(base=base) for base in fleet.urls()] == [expected] * 2
    placed = shopper.place_order(shopper.checkout_form())
    assert placed.status_code == 302, placed.text[:300]
    (order,) = Order.objects.filter(user=user)
    assert {line.product_id: line.quantity for line in order.lines.all()} == expected

    # Signed out on the legacy shop: when the bridge comes back, the JWT sign-in it had
    # handed out is over too.
    signed_out = shopper.post_form("/accounts/logout/", {})
    assert signed_out.status_code == 302
    fleet.replace(0, "bridge")
    assert not shopper.signed_in_as(user, base=fleet.urls()[0])
    assert not shopper.signed_in_as(user, base=fleet.urls()[1])
