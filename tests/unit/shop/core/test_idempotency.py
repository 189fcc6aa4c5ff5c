"""Idempotency keys as clients send them, and fingerprints of what they ask."""

from decimal import Decimal

import pytest
from django.test import RequestFactory

from shop.core.exceptions import InvalidIdempotencyKey
from shop.core.idempotency import fingerprint, mark_replayed, parse_key


def _request(key=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return RequestFactory().post("/api/v1/checkout/", headers=headers)


@pytest.mark.parametrize("key", ["k", "order-1", "3f2b8c1e-9a4d-4e7b-8c1f-2d6a9b0e7c55", "x" * 255])
def test_a_printable_key_of_1_to_255_characters_is_taken_as_sent(key):
    assert parse_key(_request(key)) == key


@pytest.mark.parametrize("key", ["", "x" * 256, "new\nline", "tab\tkey", "\x7f", "nul\x00"])
def test_an_empty_long_or_control_character_key_is_refused(key):
    with pytest.raises(InvalidIdempotencyKey, match="1 to 255 printable characters"):
        parse_key(_request(key))


def test_a_key_is_optional_unless_required():
    assert parse_key(_request()) is None
    with pytest.raises(InvalidIdempotencyKey, match="header is required"):
        parse_key(_request(), required=True)


def test_a_fingerprint_depends_on_meaning_not_on_key_order():
    first = fingerprint("POST", "/api/v1/cart/items/", {"product_id": 1, "quantity": 2})
    same = fingerprint("POST", "/api/v1/cart/items/", {"quantity": 2, "product_id": 1})
    other = fingerprint("POST", "/api/v1/cart/items/", {"product_id": 1, "quantity": 3})

    assert first == same != other
    assert len(first) == 64 and int(first, 16) >= 0


def test_a_fingerprint_reads_decimals_as_their_digits():
    assert fingerprint(Decimal("12.50")) == fingerprint("12.50") != fingerprint(Decimal("12.5"))


def test_a_replay_says_so_in_its_header():
    from django.http import HttpResponse

    assert mark_replayed(HttpResponse())["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in mark_replayed(HttpResponse(), replayed=False)
