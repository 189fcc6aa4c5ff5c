"""Checkout under concurrency, through real gunicorn processes (DESIGN §5)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts import services as accounts
from shop.catalog.models import Product
from shop.orders.models import Order
from tests.factories import ADDRESS, make_product, make_user

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


@pytest.fixture
def instances(start_instance):
    return [f"http://127.0.0.1:{start_instance(workers=2)[0]}" for _ in range(2)]


def _signed_in_with(base, product, quantity):
    user = make_user()
    access = accounts.sign_in_create(user=user).access
    headers = {"Authorization": f"Bearer {access}"}
    added = requests.post(
        f"{base}/api/v1/cart/items/",
        json={"product_id": product.pk, "quantity": quantity},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert added.status_code == 200, added.text
    return headers


def _checkout(base, headers, key):
    return requests.post(
        f"{base}/api/v1/checkout/",
        json={"shipping_address": ADDRESS},
        headers={**headers, "Idempotency-Key": key},
        timeout=TIMEOUT,
    )


def test_thirty_simultaneous_checkouts_never_sell_more_than_the_stock(instances):
    product = make_product(stock=5)
    shoppers = [_signed_in_with(instances[i % 2], product, 1) for i in range(30)]
    start = threading.Barrier(30)

    def checkout(i):
        start.wait()
        return _checkout(instances[i % 2], shoppers[i], key=f"order-{i}")

    with ThreadPoolExecutor(max_workers=30) as pool:
        responses = list(pool.map(checkout, range(30)))

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 5, 409: 25}
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 5
    for response, headers in zip(responses, shoppers, strict=True):
        cart = requests.get(f"{instances[0]}/api/v1/cart/", headers=headers, timeout=TIMEOUT).json()
        if response.status_code == 409:
            assert response.json()["lines"][0]["available"] == 0
            assert cart["total_quantity"] == 1  # the refused shopper's cart is intact
        else:
            assert cart["total_quantity"] == 0


def test_twenty_simultaneous_retries_of_one_checkout_make_one_order(instances):
    product = make_product(stock=10)
    headers = _signed_in_with(instances[0], product, 2)
    start = threading.Barrier(20)

    def checkout(i):
        start.wait()
        return _checkout(instances[i % 2], headers, key="the-one")

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(checkout, range(20)))

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409} and statuses[201] >= 1
    numbers = {r.json()["number"] for r in responses if r.status_code == 201}
    assert len(numbers) == 1
    assert Order.objects.count() == 1 and Order.objects.get().number in numbers
    assert Product.objects.get(pk=product.pk).stock == 8
    late = _checkout(instances[1], headers, key="the-one")
    assert late.status_code == 201 and late.json()["number"] in numbers
    assert late.headers["Idempotent-Replayed"] == "true"
