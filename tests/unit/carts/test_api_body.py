"""The cart API's body is what its serializer gave, byte for byte once rendered."""

from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from carts.api import CartSerializer, cart_body
from carts.services import EMPTY, CartLine, CartView


def _line(product_id, unit_price, quantity, **fields):
    return CartLine(
        product_id=product_id,
        slug=fields.get("slug", f"tea-{product_id}"),
        name=fields.get("name", f"Tea {product_id}"),
        unit_price=unit_price,
        quantity=quantity,
        line_total=unit_price * quantity,
        image_url=fields.get("image_url", ""),
        stock=fields.get("stock", 10),
    )


@pytest.mark.parametrize(
    "view",
    [
        EMPTY,
        CartView(lines=[_line(3, Decimal("12.50"), 2, image_url="https://cdn.example/s.png")]),
        CartView(
            lines=[
                _line(1, Decimal("3"), 99, name="Thé vert « Sencha » 🍵"),
                _line(2, Decimal("0.005"), 1),  # rounded half-even, as DRF does
                _line(7, Decimal("9999999.99"), 99),
            ],
            notices=["Only 7 of Sencha left in stock.", "A product … was left out."],
        ),
    ],
    ids=["empty", "one line", "many lines and notices"],
)
def test_the_body_renders_to_the_serializers_bytes(view):
    render = JSONRenderer().render

    assert render(cart_body(view)) == render(CartSerializer(view).data)
