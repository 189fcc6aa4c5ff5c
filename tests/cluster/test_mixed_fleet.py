"""The bridge release's rolling deploy: legacy and bridge instances behind one round-robin
nginx, then the stateless release in the legacy instance's place.

A shopper of the legacy shop is never asked to sign in again and never loses a cart
line: not while every other request lands on the other release, not at checkout, and
not once the legacy instance is gone (issue #11).
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
    fleet = Fleet(instance_env)
    yield fleet
    fleet.stop()


def masters(shopper):
    """The gunicorn masters (instances) that answered ``shopper``, from X-Served-By."""
    found = set()
    for served_by in filter(None, shopper.served_by):
        with open(f"/proc/{served_by.rsplit(':', 1)[1]}/stat") as stat:
            found.add(int(stat.read().rsplit(")", 1)[1].split()[1]))  # the parent's pid
    return found


def test_a_legacy_shopper_stays_signed_in_with_every_line_through_the_bridge_and_beyond(fleet):
    tea, cup, pot = (make_product(stock=50) for _ in range(3))
    user = make_user(password=PASSWORD, hasher=APP_HASHER)
    fleet.start("legacy", "bridge")
    legacy, bridge = fleet.urls()
    shopper, guest = Shopper(fleet.url), Shopper(fleet.url)
    # Before the deploy: signed in on the legacy shop, carts in the sessions.
    shopper.sign_in(user, PASSWORD, base=legacy)
    shopper.add(tea, 2, base=legacy)
    shopper.add(cup, 1, base=legacy)
    guest.add(pot, 1, base=legacy)
    expected, guest_expected = {tea.pk: 2, cup.pk: 1}, {pot.pk: 1}

    # Round robin over both releases: every answer signed in, every write seen by both.
    steps = [("set", tea, 3), ("add", pot, 1), ("set", cup, 0), ("add", cup, 2), ("add", tea, 1)]
    for action, product, quantity in steps:
        assert shopper.signed_in_as(user)
        if action == "add":
            shopper.add(product, quantity)
            expected[product.pk] = expected.get(product.pk, 0) + quantity
        else:
            shopper.set_quantity(product, quantity)
            expected = {pid: q for pid, q in {**expected, product.pk: quantity}.items() if q}
        guest.add(tea, 1)
        guest_expected[tea.pk] = guest_expected.get(tea.pk, 0) + 1
        assert shopper.cart(base=legacy) == expected == shopper.cart(base=bridge)
        assert guest.cart(base=legacy) == guest_expected == guest.cart(base=bridge)
    assert masters(shopper) == {i.pid for i in fleet.instances}  # both releases answered

    # Checkout, the form submitted twice (the second lands on the other release).
    form = shopper.checkout_form()
    placed = [shopper.place_order(form), shopper.place_order(form)]

    assert [p.status_code for p in placed] == [302, 302]
    assert placed[0].headers["Location"] == placed[1].headers["Location"]
    assert Order.objects.filter(user=user).count() == 1
    (order,) = Order.objects.filter(user=user)
    assert {line.product_id: line.quantity for line in order.lines.all()} == expected
    assert shopper.cart(base=legacy) == {} == shopper.cart(base=bridge)
    shopper.add(pot, 2)
    expected = {pot.pk: 2}
    assert shopper.cart(base=legacy) == expected == shopper.cart(base=bridge)

    # The stateless release takes the legacy instance's place.
    fleet.replace(0, "stateless")
    stateless = fleet.urls()[0]

    assert all(shopper.signed_in_as(user) for _ in range(4))
    assert shopper.cart(base=stateless) == expected == shopper.cart(base=bridge)
    assert guest.cart(base=stateless) == guest_expected == guest.cart(base=bridge)
    shopper.add(tea, 1)
    assert shopper.cart(base=stateless) == {**expected, tea.pk: 1} == shopper.cart(base=bridge)
