"""Cart writes and checkout outcomes show in /metrics as they happen (in this process)."""

import pytest
from prometheus_client import REGISTRY

from tests.factories import ADDRESS

pytestmark = pytest.mark.django_db


def _counts(name, label, values):
    return {value: REGISTRY.get_sample_value(name, {label: value}) or 0 for value in values}


def _cart_operations():
    return _counts(
        "shop_cart_operations_total", "operation", ("add", "set", "remove", "clear", "merge")
    )


def _checkouts():
    return _counts(
        "shop_checkout_outcomes_total",
        "outcome",
        ("created", "replayed", "conflict", "out_of_stock"),
    )


def test_each_cart_write_counts_its_operation(shopper, products):
    before = _cart_operations()

    shopper.add(products["sencha"], 2)
    cart_path = f"/api/v1/cart/items/{products['sencha'].pk}/"
    headers = shopper._auth({})
    assert (
        shopper.client.put(
            cart_path, {"quantity": 3}, content_type="application/json", **headers
        ).status_code
        == 200
    )
    assert shopper.client.delete(cart_path, **headers).status_code == 200
    assert shopper.client.delete("/api/v1/cart/", **headers).status_code == 204

    after = _cart_operations()
    assert {op: after[op] - before[op] for op in after} == {
        "add": 1,
        "set": 1,
        "remove": 1,
        "clear": 1,
        "merge": 0,
    }


def test_a_refused_write_counts_nothing(shopper, products):
    before = _cart_operations()

    response = shopper.client.post(
        "/api/v1/cart/items/",
        {"product_id": products["matcha"].pk, "quantity": 50},
        content_type="application/json",
        **shopper._auth({}),
    )

    assert response.status_code == 400
    assert _cart_operations() == before


def test_checkout_outcomes_are_counted_apart(shopper, products):
    before = _checkouts()

    shopper.add(products["sencha"])
    assert shopper.checkout(key="first").status_code == 201
    assert shopper.checkout(key="first").status_code == 201  # replayed
    other_address = {"shipping_address": {**ADDRESS, "name": "Someone Else"}}
    assert shopper.checkout(key="first", body=other_address).status_code == 422  # conflict
    shopper.add(products["matcha"], 3)
    products["matcha"].__class__.objects.filter(pk=products["matcha"].pk).update(stock=1)
    assert shopper.checkout(key="second").status_code == 409

    after = _checkouts()
    changes = {outcome: after[outcome] - before[outcome] for outcome in after}
    assert changes["created"] == 1
    assert changes["replayed"] == 1
    assert changes["conflict"] == 1
    assert changes["out_of_stock"] == 1
