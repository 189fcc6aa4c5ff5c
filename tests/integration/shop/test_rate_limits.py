"""Abuse limits (shop/core/throttling.py) against real Redis: registration per address,
refresh per sign-in, checkout per user, cart writes per cart; 429 with Retry-After for
the API and the pages; shared by instances; a Redis outage does not turn them into one."""

from decimal import Decimal

import pytest
import requests
from django.test import Client

from accounts import services as accounts
from tests.factories import ADDRESS, make_category, make_product, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """``rates(scope=rate, ...)``: set throttle rates for this test."""

    def set_rates(**scopes):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **scopes,
            },
        }

    return set_rates


@pytest.fixture
def tea(db):
    return make_product(
        name="Sencha", slug="sencha", price=Decimal("12.50"), stock=100, category=make_category()
    )


def post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


def assert_429(response, most):
    assert response.status_code == 429, response.content
    assert 0 < int(response["Retry-After"]) <= most
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["code"] == "throttled"


def test_registration_is_limited_per_client_address(client, rates):
    rates(register="2/hour")
    answers = [
        post(
            client,
            "/api/v1/auth/register/",
            {"email": f"new{n}@example.com", "password": "a long enough pw"},
            REMOTE_ADDR="203.0.113.5",
        )
        for n in range(3)
    ]
    elsewhere = post(
        client,
        "/api/v1/auth/register/",
        {"email": "new9@example.com", "password": "a long enough pw"},
        REMOTE_ADDR="198.51.100.5",
    )
    page = client.post(
        "/accounts/register/",
        {
            "email": "new8@example.com",
            "password1": "a long enough pw",
            "password2": "a long enough pw",
        },
        REMOTE_ADDR="203.0.113.5",
    )

    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_429(answers[2], 3600)
    assert elsewhere.status_code == 201
    assert_429(page, 3600)
    assert "Too many attempts" in page.content.decode()


def test_refresh_is_limited_per_sign_in_across_rotations(client, rates):
    rates(refresh="2/hour")
    user = make_user()
    pair, other = accounts.sign_in_create(user=user), accounts.sign_in_create(user=user)

    first = post(client, "/api/v1/auth/token/refresh/", {"refresh": pair.refresh})
    second = post(client, "/api/v1/auth/token/refresh/", {"refresh": first.json()["refresh"]})
    third = post(client, "/api/v1/auth/token/refresh/", {"refresh": second.json()["refresh"]})
    other_device = post(client, "/api/v1/auth/token/refresh/", {"refresh": other.refresh})

    assert [first.status_code, second.status_code] == [200, 200]
    assert_429(third, 3600)
    assert other_device.status_code == 200


def test_refreshes_with_junk_are_limited_per_address(client, rates):
    rates(refresh="2/hour")
    answers = [post(client, "/api/v1/auth/token/refresh/", {"refresh": "junk"}) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [401, 401]
    assert_429(answers[2], 3600)


def test_cart_writes_are_limited_per_cart_and_reads_are_not(client, rates, tea):
    rates(cart="3/minute")
    # A guest's first write makes the cart: counted per address, as carts being made.
    first = post(client, "/api/v1/cart/items/", {"product_id": tea.pk})
    token = {"HTTP_X_CART_TOKEN": first["X-Cart-Token"]}

    def put(quantity):
        return client.put(
            f"/api/v1/cart/items/{tea.pk}/",
            {"quantity": quantity},
            content_type="application/json",
            **token,
        )

    writes = [
        post(client, "/api/v1/cart/items/", {"product_id": tea.pk}, **token),
        put(4),
        put(5),
        client.delete(f"/api/v1/cart/items/{tea.pk}/", **token),
    ]
    read = client.get("/api/v1/cart/", **token)
    another_cart = Client().post(
        "/api/v1/cart/items/", {"product_id": tea.pk}, content_type="application/json"
    )

    assert first.status_code == 200
    assert [w.status_code for w in writes[:3]] == [200, 200, 200]
    assert_429(writes[3], 60)
    assert read.status_code == 200 and read.json()["total_quantity"] == 5
    assert another_cart.status_code == 200


def test_the_cart_pages_share_the_carts_limit(rates, tea):
    rates(cart="1/minute")
    browser = Client()  # signed in by its access cookie
    browser.cookies.load({"shop_access": accounts.sign_in_create(user=make_user()).access})

    page_add = browser.post("/cart/add/", {"product_id": tea.pk, "quantity": 1})
    api_add = browser.post(
        "/api/v1/cart/items/",
        {"product_id": tea.pk},
        content_type="application/json",
    )

    assert page_add.status_code == 302
    assert_429(api_add, 60)


def test_checkout_is_limited_per_user(rates, tea):
    rates(checkout="1/hour")
    user = make_user()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {accounts.sign_in_create(user=user).access}"}
    client = Client()

    def checkout(key):
        post(client, "/api/v1/cart/items/", {"product_id": tea.pk}, **bearer)
        return post(
            client,
            "/api/v1/checkout/",
            {"shipping_address": ADDRESS},
            HTTP_IDEMPOTENCY_KEY=key,
            **bearer,
        )

    placed, again = checkout("k1"), checkout("k2")
    someone_else = Client().post(
        "/api/v1/checkout/",
        {"shipping_address": ADDRESS},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
        HTTP_AUTHORIZATION=f"Bearer {accounts.sign_in_create(user=make_user()).access}",
    )

    assert placed.status_code == 201
    assert_429(again, 3600)
    assert someone_else.status_code == 400  # an empty cart: checked, not throttled


def test_a_redis_outage_lets_requests_past_the_limits(client, rates, settings):
    rates(register="1/hour")
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/15"},
    }

    answers = [
        post(
            client,
            "/api/v1/auth/register/",
            {"email": f"r{n}@example.com", "password": "a long enough pw"},
        )
        for n in range(2)
    ]

    assert [a.status_code for a in answers] == [201, 201]


@pytest.mark.django_db(transaction=True)
def test_two_instances_share_one_count(start_instance):
    env = {"RATE_LIMIT_REGISTER": "2/hour", "DJANGO_NUM_PROXIES": "0"}
    ports = [start_instance(env=env, workers=1)[0] for _ in range(2)]

    def register(port, n):
        return requests.post(
            f"http://127.0.0.1:{port}/api/v1/auth/register/",
            json={"email": f"shared{n}@example.com", "password": "a long enough pw"},
            timeout=10,
        )

    answers = [register(port, n) for n, port in enumerate([*ports, ports[0]])]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
