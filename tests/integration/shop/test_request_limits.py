"""Request bodies are bounded for JSON as for forms: a larger one is a clear 413."""

import json

import pytest

from tests.factories import make_product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis")]


def post_json(client, path, body, **extra):
    return client.generic("POST", path, body, content_type="application/json", **extra)


@pytest.mark.parametrize("path", ["/api/v1/auth/register/", "/api/v1/auth/token/"])
def test_a_json_body_over_the_limit_is_a_413_that_says_so(client, settings, path):
    body = json.dumps({"email": "a@example.com", "password": "x" * 2 * 1024 * 1024})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = post_json(client, path, body.encode())

    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request body is larger than the "
        f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes this API accepts.",
        "code": "request_too_large",
    }


def test_the_limit_is_read_at_call_time_and_counts_bytes(client, settings):
    product = make_product(stock=5)
    body = json.dumps({"product_id": product.pk, "quantity": 1}).encode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) - 1

    refused = post_json(client, "/api/v1/cart/items/", body, HTTP_X_CART_TOKEN="")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)
    accepted = post_json(client, "/api/v1/cart/items/", body, HTTP_X_CART_TOKEN="")

    assert refused.status_code == 413
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["total_quantity"] == 1


def test_a_compressing_charset_cannot_inflate_a_small_body(client):
    """``bz2_codec`` would decompress after the size check (fixed in DRF 3.18.2)."""
    response = client.generic(
        "POST",
        "/api/v1/auth/token/",
        b"BZh91AY&SY",
        content_type="application/json; charset=bz2_codec",
    )

    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == 'Unsupported charset "bz2_codec" in request Content-Type header.'
    )
