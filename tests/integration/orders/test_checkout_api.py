"""Checkout and orders through the API, against real PostgreSQL and Redis."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from shop.catalog.models import Product
from shop.orders import services
from shop.orders.models import Order, OrderLine
from tests.factories import ADDRESS

pytestmark = pytest.mark.django_db


def test_checkout_turns_the_cart_into_an_order(
    shopper, products, django_capture_on_commit_callbacks
):
    shopper.add(products["sencha"], 2)
    shopper.add(products["matcha"], 1)

    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        response = shopper.checkout()

    assert response.status_code == 201
    order = response.json()
    assert order["number"].startswith("SS-") and order["status"] == "placed"
    assert order["shipping_address"] == {**ADDRESS, "line2": ""}
    assert [
        (line["product_name"], line["unit_price"], line["quantity"], line["line_total"])
        for line in order["lines"]
    ] == [("Sencha", "12.50", 2, "25.00"), ("Matcha", "30.00", 1, "30.00")]
    assert (order["subtotal"], order["total"], order["payment_method"]) == (
        "55.00",
        "55.00",
        "pay_on_delivery",
    )
    assert shopper.cart()["items"] == []
    assert Product.objects.get(slug="sencha").stock == 8
    assert Product.objects.get(slug="matcha").stock == 2
    assert len(after_commit) == 2  # the cart emptied and the e-mail sent: after commit
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"] and order["number"] in message.subject
    assert "2 x Sencha at $12.50" in message.body


def test_the_email_is_not_sent_before_the_transaction_commits(shopper, products):
    shopper.add(products["sencha"])

    assert shopper.checkout().status_code == 201
    assert mail.outbox == []  # the test transaction never committed


def test_the_same_key_and_body_replays_the_same_order(shopper, products):
    shopper.add(products["sencha"])

    first = shopper.checkout(key="k1")
    again = shopper.checkout(key="k1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(shopper, products):
    shopper.add(products["sencha"])
    shopper.checkout(key="k1")

    response = shopper.checkout({"shipping_address": {**ADDRESS, "city": "Paris"}}, key="k1")

    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.parametrize("key", [None, "", "k" * 256, "new\nline", "\x7f"])
def test_a_missing_or_malformed_key_is_a_400(shopper, products, key):
    shopper.add(products["sencha"])

    response = shopper.checkout(key=key)

    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert not Order.objects.exists()


def test_keys_are_scoped_to_the_user(shopper, another_shopper, products):
    shopper.add(products["sencha"])
    another_shopper.add(products["matcha"])

    mine = shopper.checkout(key="shared")
    theirs = another_shopper.checkout(key="shared")

    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert theirs.json()["number"] != mine.json()["number"]
    assert theirs.json()["lines"][0]["product_name"] == "Matcha"


def test_a_replay_finds_the_order_after_redis_lost_its_records(shopper, products, redis):
    shopper.add(products["sencha"])
    first = shopper.checkout(key="k1")
    redis.flushdb()

    again = shopper.checkout(key="k1")
    other = shopper.checkout({"shipping_address": {**ADDRESS, "name": "Someone Else"}}, key="k1")

    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert Order.objects.count() == 1


def test_an_empty_cart_is_refused_and_not_recorded(shopper, products):
    empty = shopper.checkout(key="k1")
    shopper.add(products["sencha"])
    retried = shopper.checkout(key="k1")

    assert empty.status_code == 400 and empty.json()["code"] == "empty_cart"
    assert retried.status_code == 201


def test_not_enough_stock_is_a_409_naming_each_line_and_changes_nothing(shopper, products):
    shopper.add(products["sencha"], 2)
    shopper.add(products["matcha"], 3)
    Product.objects.filter(slug="matcha").update(stock=1)

    response = shopper.checkout()

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "out_of_stock"
    assert body["lines"] == [
        {"product_id": products["matcha"].pk, "name": "Matcha", "requested": 3, "available": 1}
    ]
    assert Product.objects.get(slug="sencha").stock == 10  # the decrement was rolled back
    assert Product.objects.get(slug="matcha").stock == 1
    assert not Order.objects.exists()
    assert shopper.cart()["total_quantity"] == 5


def test_a_failure_after_the_stock_update_rolls_everything_back(shopper, products, monkeypatch):
    shopper.add(products["sencha"], 2)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(OrderLine.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        services.checkout(
            user_id=shopper.user.pk,
            cart=_cart_of(shopper),
            address=services.ShippingAddress(**ADDRESS),
            idempotency_key="k1",
            fingerprint="f",
        )

    assert Product.objects.get(slug="sencha").stock == 10
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert shopper.cart()["total_quantity"] == 2


def test_a_later_price_change_does_not_change_an_order(shopper, products):
    shopper.add(products["sencha"], 2)
    order = shopper.checkout().json()

    Product.objects.filter(slug="sencha").update(price=Decimal("99.00"), name="Renamed")
    again = shopper.get(f"/api/v1/orders/{order['id']}/").json()

    assert again["lines"][0]["unit_price"] == "12.50"
    assert again["lines"][0]["product_name"] == "Sencha"
    assert again["total"] == "25.00"


def test_orders_are_visible_to_their_owner_only(shopper, another_shopper, products):
    shopper.add(products["sencha"])
    order = shopper.checkout().json()

    mine = shopper.get("/api/v1/orders/").json()
    theirs = another_shopper.get("/api/v1/orders/").json()
    stolen = another_shopper.get(f"/api/v1/orders/{order['id']}/")

    assert [o["id"] for o in mine["results"]] == [order["id"]]
    assert theirs["results"] == []
    assert stolen.status_code == 404


def test_anonymous_checkout_is_401(products):
    response = Client().post(
        "/api/v1/checkout/",
        {"shipping_address": ADDRESS},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )

    assert response.status_code == 401
    assert Client().get("/api/v1/orders/").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "shipping_address"),
        ({"shipping_address": "12 Main St"}, "shipping_address"),
        ({"shipping_address": {**ADDRESS, "name": ""}}, "name"),
        ({"shipping_address": {k: v for k, v in ADDRESS.items() if k != "city"}}, "city"),
        ({"shipping_address": {**ADDRESS, "line1": "x" * 10_000}}, "line1"),
        ({"shipping_address": {**ADDRESS, "country": "Great Britain"}}, "country"),
        ({"shipping_address": {**ADDRESS, "country": ["GB"]}}, "country"),
        ({"shipping_address": {**ADDRESS, "postal_code": {"a": 1}}}, "postal_code"),
        ({"shipping_address": {**ADDRESS, "postal_code": "<script>"}}, "postal_code"),
        ({"shipping_address": ADDRESS, "payment_method": "bitcoin"}, None),
        ([1, 2, 3], None),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_records_nothing(shopper, products, body, field):
    shopper.add(products["sencha"])

    response = shopper.checkout(body, key="k1")
    corrected = shopper.checkout(key="k1")

    assert response.status_code == 400
    text = str(response.json())
    assert field is None or field in text
    assert corrected.status_code == 201  # the refused request was not recorded


def test_a_lowercase_country_code_is_accepted(shopper, products):
    shopper.add(products["sencha"])

    response = shopper.checkout({"shipping_address": {**ADDRESS, "country": "gb"}})

    assert response.status_code == 201 and response.json()["shipping_address"]["country"] == "GB"


def _cart_of(shopper):
    from carts.backends import open_cart

    return open_cart(("user", shopper.user.pk))


def test_a_lock_left_by_a_killed_worker_expires_and_the_retry_places_one_order(
    shopper, products, settings
):
    import time

    from shop.core import idempotency

    settings.IDEMPOTENCY_LOCK_SECONDS = 1
    shopper.add(products["sencha"])
    fingerprint = idempotency.fingerprint(
        "checkout", services.ShippingAddress(**ADDRESS).__dict__, ""
    )
    orphan = idempotency.IdempotentRequest(
        scope=f"checkout:user:{shopper.user.pk}", key="k1", fingerprint=fingerprint
    )
    assert orphan.begin() is None  # a worker took the key, then was killed

    blocked = shopper.checkout(key="k1")
    time.sleep(1.2)
    retried = shopper.checkout(key="k1")
    replayed = shopper.checkout(key="k1")

    assert blocked.status_code == 409 and blocked.json()["code"] == "idempotency_key_in_use"
    assert retried.status_code == 201
    assert replayed.json()["id"] == retried.json()["id"]
    assert Order.objects.count() == 1


def test_a_replay_answers_the_same_bytes(shopper, products):
    shopper.add(products["sencha"])

    first = shopper.checkout(key="k1")
    again = shopper.checkout(key="k1")

    assert again.content == first.content
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"


def test_not_enough_stock_is_a_recorded_answer_replayed_as_it_was(shopper, products):
    shopper.add(products["matcha"], 3)
    Product.objects.filter(slug="matcha").update(stock=1)

    first = shopper.checkout(key="k1")
    Product.objects.filter(slug="matcha").update(stock=10)  # the stock came back
    again = shopper.checkout(key="k1")
    fresh = shopper.checkout(key="k2")

    assert first.status_code == again.status_code == 409
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert fresh.status_code == 201  # a new key is a new request


def _forget_recorded_answers(redis):
    """What a worker killed after its commit leaves: the order, and no recorded answer."""
    redis.delete(*redis.keys("idempotency:*"))


def test_a_retry_takes_the_cart_a_killed_worker_left_after_its_commit(
    shopper, products, redis, django_capture_on_commit_callbacks
):
    shopper.add(products["sencha"], 2)
    with django_capture_on_commit_callbacks(execute=False):  # died before the take
        first = shopper.checkout(key="k1")
    _forget_recorded_answers(redis)
    assert [i["quantity"] for i in shopper.cart()["items"]] == [2]

    with django_capture_on_commit_callbacks(execute=True):
        again = shopper.checkout(key="k1")

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert shopper.cart()["items"] == []
    assert Order.objects.count() == 1


def test_a_retry_of_a_finished_checkout_leaves_lines_added_since(
    shopper, products, redis, django_capture_on_commit_callbacks
):
    shopper.add(products["sencha"], 2)
    with django_capture_on_commit_callbacks(execute=True):
        shopper.checkout(key="k1")
    shopper.add(products["sencha"], 1)
    _forget_recorded_answers(redis)

    with django_capture_on_commit_callbacks(execute=True):
        again = shopper.checkout(key="k1")

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert [i["quantity"] for i in shopper.cart()["items"]] == [1]
