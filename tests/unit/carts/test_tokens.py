"""Guest cart tokens: signed ids that read back, and nothing else that does."""

import pytest
from django.core import signing

from carts import tokens


def test_an_issued_token_reads_back_as_its_cart_id():
    cart_id, token = tokens.issue()

    assert tokens.read(token) == cart_id
    assert len(cart_id) >= 22  # 128 random bits
    assert tokens.issue()[0] != cart_id


@pytest.mark.parametrize("token", [None, "", "no-signature", "x" * 201])
def test_missing_malformed_or_oversized_tokens_read_as_no_cart(token):
    assert tokens.read(token) is None


def test_a_tampered_token_reads_as_no_cart():
    _, token = tokens.issue()

    assert tokens.read(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert tokens.read("another-id:" + token.split(":")[-1]) is None


def test_a_value_signed_for_another_purpose_is_not_a_cart_token():
    assert tokens.read(signing.Signer(salt="something.else").sign("abc")) is None
    assert tokens.read(signing.Signer().sign("abc")) is None
