from decimal import Decimal

import pytest
from django.test import Client

from accounts import services as accounts
from tests.factories import ADDRESS, make_category, make_product, make_user


@pytest.fixture
def products(db):
    category = make_category(name="Tea", slug="tea")
    return {
        "sencha": make_product(
            name="Sencha", slug="sencha", price=Decimal("12.50"), stock=10, category=category
        ),
        "matcha": make_product(
            name="Matcha", slug="matcha", price=Decimal("30.00"), stock=3, category=category
        ),
    }


class ApiShopper:
    """A signed-in API client (Bearer token)."""

    def __init__(self, user):
        self.user = user
        self.client = Client()
        self.access = accounts.sign_in_create(user=user).access

    def _auth(self, headers):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.access}", **headers}

    def add(self, product, quantity=1):
        response = self.client.post(
            "/api/v1/cart/items/",
            {"product_id": product.pk, "quantity": quantity},
            content_type="application/json",
            **self._auth({}),
        )
        assert response.status_code == 200, response.content
        return response

    def cart(self):
        return self.client.get("/api/v1/cart/", **self._auth({})).json()

    def checkout(self, body=None, key="order-1", **headers):
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return self.client.post(
            "/api/v1/checkout/",
            {"shipping_address": ADDRESS} if body is None else body,
            content_type="application/json",
            **self._auth(headers),
        )

    def get(self, path):
        return self.client.get(path, **self._auth({}))


@pytest.fixture
def shopper(db):
    return ApiShopper(make_user(email="ada@example.com"))


@pytest.fixture
def another_shopper(db):
    return ApiShopper(make_user(email="grace@example.com"))
