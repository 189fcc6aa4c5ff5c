"""Checkout's recorded answers: an order placed, or the lines that were short."""

import json

from shop.core.idempotency import Outcome, Refusal
from shop.orders.exceptions import OutOfStock
from shop.orders.services import Placed

LINES = [{"product_id": 4, "name": "Matcha", "requested": 3, "available": 1}]


def _through_a_record(outcome):
    record = json.loads(json.dumps(outcome.to_record()))
    return Outcome._kinds[outcome.kind].from_record(record)


def test_a_placed_order_is_recorded_by_its_id():
    assert _through_a_record(Placed(order_id=12)) == Placed(order_id=12)


def test_out_of_stock_is_a_refusal_that_keeps_its_lines_and_message():
    refusal = OutOfStock(LINES)
    again = _through_a_record(refusal)

    assert isinstance(again, Refusal) and not again.replayed
    assert again.lines == LINES
    assert str(again) == str(refusal) == "Not enough stock for: Matcha (1 left)."
