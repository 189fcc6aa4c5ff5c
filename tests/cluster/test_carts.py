"""Carts across real instances and workers: concurrency, idempotency, merge (DESIGN §5)."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.factories import APP_HASHER, make_category, make_product, make_user

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TIMEOUT = 15


@pytest.fixture
def instances(start_instance):
    """Three instances, two workers each; returns their base URLs."""
    return [f"http://127.0.0.1:{start_instance(workers=2)[0]}" for _ in range(3)]


def _add(base, token, product_id, key=None):
    headers = {"X-Cart-Token": token}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(
        f"{base}/api/v1/cart/items/",
        json={"product_id": product_id, "quantity": 1},
        headers=headers,
        timeout=TIMEOUT,
    )


def _new_cart(base, product_id):
    response = requests.post(
        f"{base}/api/v1/cart/items/",
        json={"product_id": product_id},
        headers={"X-Cart-Token": ""},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.headers["X-Cart-Token"]


def _cart(base, **headers):
    return requests.get(f"{base}/api/v1/cart/", headers=headers, timeout=TIMEOUT).json()


def test_200_concurrent_adds_to_one_line_stop_exactly_at_the_cap(instances):
    product = make_product(stock=1000)
    token = _new_cart(instances[0], product.pk)

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = Counter(
            pool.map(
                lambda i: _add(instances[i % len(instances)], token, product.pk).status_code,
                range(200),
            )
        )

    (line,) = _cart(instances[1], **{"X-Cart-Token": token})["items"]
    assert line["quantity"] == 99
    assert statuses == {200: 98, 400: 102}  # one unit came with the cart; none lost


def test_concurrent_adds_of_different_products_stop_exactly_at_the_line_limit(instances):
    category = make_category()
    products = [make_product(stock=5, category=category) for _ in range(150)]
    token = _new_cart(instances[0], products[0].pk)

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = Counter(
            pool.map(
                lambda i: _add(instances[i % 3], token, products[i].pk).status_code,
                range(1, 150),
            )
        )

    items = _cart(instances[2], **{"X-Cart-Token": token})["items"]
    assert len(items) == 100 and all(item["quantity"] == 1 for item in items)
    assert statuses == {200: 99, 400: 50}


def test_an_add_retried_on_other_instances_with_its_key_counts_once(instances):
    product = make_product(stock=50)
    token = _new_cart(instances[0], product.pk)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(
            pool.map(lambda i: _add(instances[i % 3], token, product.pk, key="retry-1"), range(6))
        )

    (line,) = _cart(instances[0], **{"X-Cart-Token": token})["items"]
    assert line["quantity"] == 2
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] >= 1 and set(statuses) <= {200, 409}  # replays or "still running"
    assert any(r.headers.get("Idempotent-Replayed") == "true" for r in responses) or statuses[409]


def test_a_guest_cart_filled_on_one_instance_is_merged_at_sign_in_on_another(instances):
    user = make_user(password=PASSWORD, hasher=APP_HASHER)
    tea, mug = make_product(slug="tea", stock=10), make_product(slug="mug", stock=10)
    token = _new_cart(instances[0], tea.pk)
    assert _add(instances[0], token, mug.pk).status_code == 200

    signed_in = requests.post(
        f"{instances[1]}/api/v1/auth/token/",
        json={"email": user.email, "password": PASSWORD},
        headers={"X-Cart-Token": token},
        timeout=TIMEOUT,
    )
    access = signed_in.json()["access"]
    cart = _cart(instances[2], Authorization=f"Bearer {access}")

    assert signed_in.status_code == 200
    assert {item["slug"]: item["quantity"] for item in cart["items"]} == {"tea": 1, "mug": 1}
    assert _cart(instances[2], **{"X-Cart-Token": token})["items"] == []
