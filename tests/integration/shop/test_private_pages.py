"""Private answers carry no ETag: their CSRF tokens and carts differ every time, so a
hash of the body could never match and would only cost its hashing."""

import pytest
from django.test import Client

from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_private_pages_and_cart_answers_have_no_etag_and_no_304():
    product = make_product(name="Sencha", slug="sencha", stock=50)
    browser = Client()
    browser.post("/cart/add/", {"product_id": product.pk, "quantity": "1"})
    added = Client().post(
        "/api/v1/cart/items/", {"product_id": product.pk}, content_type="application/json"
    )
    token = {"HTTP_X_CART_TOKEN": added["X-Cart-Token"]}

    answers = {
        "cart page": browser.get("/cart/"),
        "sign-in page": Client().get("/accounts/login/"),
        "cart API": Client().get("/api/v1/cart/", **token),
        "product API": Client().get(f"/api/v1/products/{product.slug}/"),
    }

    for name, response in answers.items():
        assert response.status_code == 200, name
        assert not response.has_header("ETag"), name
        assert "private" in response["Cache-Control"], name
    again = browser.get("/cart/", HTTP_IF_NONE_MATCH='"anything"')
    assert again.status_code == 200 and b"Sencha" in again.content
