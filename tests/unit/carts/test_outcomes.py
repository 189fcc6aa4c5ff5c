"""A recorded add replays the same answer: the outcome survives its record unchanged."""

import json
from dataclasses import asdict
from decimal import Decimal

from rest_framework.renderers import JSONRenderer

from carts.api import CartSerializer
from carts.services import Added, CartLine, CartView
from shop.core.idempotency import Outcome


def _view():
    line = CartLine(
        product_id=3,
        slug="sencha",
        name="Sencha",
        unit_price=Decimal("12.50"),
        quantity=2,
        line_total=Decimal("25.00"),
        image_url="https://cdn.example/sencha.png",
        stock=7,
    )
    return CartView(lines=[line], notices=["Only 7 of Sencha left in stock."])


def test_an_add_rebuilt_from_its_record_serialises_to_the_same_bytes():
    added = Added(view=_view(), cart_token="token:sig")
    record = json.loads(json.dumps(added.to_record(), default=str))  # as stored in Redis

    again = Outcome._kinds[added.kind].from_record(record)

    assert again == added
    render = JSONRenderer().render
    assert render(CartSerializer(again.view).data) == render(CartSerializer(added.view).data)


def test_an_add_without_a_new_token_records_none():
    record = json.loads(json.dumps(Added(view=CartView(lines=[])).to_record(), default=str))

    assert Added.from_record(record) == Added(view=CartView(lines=[]), cart_token=None)


def test_an_adds_record_is_its_dataclass_fields():
    # Records written before the hand-built to_record() must still be read, and alike.
    added = Added(view=_view(), cart_token="token:sig")

    assert added.to_record() == {"view": asdict(added.view), "cart_token": "token:sig"}
