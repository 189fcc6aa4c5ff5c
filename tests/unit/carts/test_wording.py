"""What the cart tells a shopper, from the facts alone (no store, no database)."""

from decimal import Decimal

import pytest

from carts.backends.base import MergeReport
from carts.exceptions import CartLimitExceeded
from carts.wording import limit_error, merge_message
from shop.catalog.summaries import ProductSummary


def _product(stock, name="Matcha"):
    return ProductSummary(
        id=7,
        slug="matcha",
        name=name,
        price=Decimal("30.00"),
        stock=stock,
        image_url="",
        is_active=True,
    )


@pytest.mark.parametrize(
    ("stock", "current", "message"),
    [
        (0, 0, "Matcha is out of stock."),
        (3, 0, "Only 3 of Matcha in stock."),
        (3, 2, "Only 3 of Matcha in stock and 2 already in your cart."),
        (99, 99, "Only 99 of Matcha in stock and 99 already in your cart."),
    ],
)
def test_a_line_over_the_stock_says_how_many_are_left(stock, current, message):
    error = limit_error(CartLimitExceeded("quantity", current), _product(stock), 99)

    assert str(error) == message
    assert (error.code, error.field, error.available) == ("insufficient_stock", "quantity", stock)


def test_a_line_over_the_cap_says_the_cap_when_the_stock_is_larger():
    error = limit_error(CartLimitExceeded("quantity", 99), _product(500), 99)

    assert str(error) == "At most 99 of one product per order."
    assert (error.code, error.available) == ("quantity_limit", 99)


def test_a_full_cart_says_to_remove_a_product_first():
    error = limit_error(CartLimitExceeded("lines", 0), _product(500), 99)

    assert str(error) == "Your cart is full: remove a product before adding another."
    assert error.code == "too_many_lines" and error.available is None


@pytest.mark.parametrize(
    ("asked", "added", "sentence"),
    [
        ({}, {}, None),
        ({1: 2}, {1: 2}, "1 item from your visit was added."),
        ({1: 2, 2: 1}, {1: 2, 2: 1}, "2 items from your visit were added."),
        (
            {1: 3, 2: 3},
            {1: 3, 2: 1},
            "2 items from your visit were added; 1 was limited to the stock left.",
        ),
        (
            {1: 3, 2: 3},
            {1: 0, 2: 0},
            "0 items from your visit were added; 2 were limited to the stock left.",
        ),
    ],
)
def test_the_merge_sentence_counts_what_was_added_and_what_was_limited(asked, added, sentence):
    assert merge_message(MergeReport(asked=asked, added=added)) == sentence
