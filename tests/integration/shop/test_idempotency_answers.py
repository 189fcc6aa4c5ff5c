"""A client can tell "the first request with this key is still running" (retry it) from a
replayed refusal such as out-of-stock (retrying never helps), by code and headers, and
the OpenAPI schema says so."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts import services as accounts
from shop.catalog.models import Product
from shop.core import idempotency, idempotency_schema
from shop.orders.services import ShippingAddress
from tests.factories import ADDRESS, make_category, make_product, make_user

pytestmark = pytest.mark.django_db


class Shopper:
    def __init__(self):
        self.user = make_user(email="ada@example.com")
        self.client = Client()
        self.auth = {
            "HTTP_AUTHORIZATION": f"Bearer {accounts.sign_in_create(user=self.user).access}"
        }

    def add(self, product, quantity):
        response = self.client.post(
            "/api/v1/cart/items/",
            {"product_id": product.pk, "quantity": quantity},
            content_type="application/json",
            **self.auth,
        )
        assert response.status_code == 200, response.content

    def checkout(self, key):
        return self.client.post(
            "/api/v1/checkout/",
            {"shipping_address": ADDRESS},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **self.auth,
        )

    def checkout_following_the_schema(self, key, *, attempts=5):
        """A client that retries exactly when told to; returns every answer it got."""
        answers = [self.checkout(key)]
        while answers[-1].status_code == 409 and (
            answers[-1].json()["code"] == idempotency.IN_PROGRESS_CODE
        ):
            assert len(answers) < attempts, "the client would loop"
            answers.append(self.checkout(key))
        return answers


@pytest.fixture
def shopper():
    return Shopper()


@pytest.fixture
def matcha(db):
    return make_product(
        name="Matcha", slug="matcha", price=Decimal("30.00"), stock=3, category=make_category()
    )


def _hold_the_key(shopper, key):
    """Play a worker that took ``key`` for this shopper's checkout and is still running."""
    fingerprint = idempotency.fingerprint("checkout", ShippingAddress(**ADDRESS).__dict__, "")
    running = idempotency.IdempotentRequest(
        scope=f"checkout:user:{shopper.user.pk}", key=key, fingerprint=fingerprint
    )
    assert running.begin() is None
    return running


def test_still_running_is_a_409_in_use_with_retry_after_and_no_replay_header(shopper, matcha):
    shopper.add(matcha, 1)
    _hold_the_key(shopper, "k1")

    response = shopper.checkout("k1")

    assert response.status_code == 409
    assert response.json() == idempotency_schema.IN_PROGRESS_EXAMPLE.value
    assert response["Retry-After"] == str(idempotency.IN_PROGRESS_RETRY_AFTER)
    assert idempotency.REPLAYED_HEADER not in response


def test_a_replayed_out_of_stock_is_its_own_code_without_retry_after(shopper, matcha):
    shopper.add(matcha, 3)
    Product.objects.filter(pk=matcha.pk).update(stock=1)

    first = shopper.checkout("k1")
    again = shopper.checkout("k1")

    assert first.status_code == again.status_code == 409
    assert first.json()["code"] == again.json()["code"] == "out_of_stock"
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert "Retry-After" not in again


def test_a_client_that_retries_only_on_in_use_ends_on_out_of_stock_and_on_success(shopper, matcha):
    shopper.add(matcha, 3)
    Product.objects.filter(pk=matcha.pk).update(stock=1)
    shopper.checkout("k1")  # recorded: out of stock

    refused = shopper.checkout_following_the_schema("k1")
    running = _hold_the_key(shopper, "k2")
    Product.objects.filter(pk=matcha.pk).update(stock=3)
    blocked = shopper.checkout("k2")
    running.release()  # the first request gave up unrecorded: the retry runs
    placed = shopper.checkout_following_the_schema("k2")

    assert [a.json()["code"] for a in refused] == ["out_of_stock"]
    assert blocked.json()["code"] == idempotency.IN_PROGRESS_CODE
    assert [a.status_code for a in placed] == [201]


def test_the_schema_documents_both_409s_and_their_headers(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    checkout = schema["paths"]["/api/v1/checkout/"]["post"]["responses"]
    cart_add = schema["paths"]["/api/v1/cart/items/"]["post"]["responses"]

    examples = checkout["409"]["content"]["application/json"]["examples"]
    assert {e["value"]["code"] for e in examples.values()} == {
        idempotency.IN_PROGRESS_CODE,
        "out_of_stock",
    }
    assert "Retry-After" in checkout["409"]["description"]
    assert {"Retry-After", idempotency.REPLAYED_HEADER} <= set(checkout["409"]["headers"])
    assert checkout["422"]["content"]["application/json"]["examples"]
    cart_examples = cart_add["409"]["content"]["application/json"]["examples"]
    assert [e["value"]["code"] for e in cart_examples.values()] == [idempotency.IN_PROGRESS_CODE]
