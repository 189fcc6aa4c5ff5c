"""The cart's part of other apps' pages: ``{% add_to_cart_form product %}``.

The product page (shop.catalog) shows the cart's form without importing the cart app:
the catalog does not depend on carts (carts depend on the catalog).
"""

import uuid

from django import template

from ..forms import AddToCartForm

register = template.Library()


@register.inclusion_tag("carts/_add_to_cart.html", takes_context=True)
def add_to_cart_form(context, product):
    """The add-to-cart form of ``product``, with a fresh idempotency key: a resubmitted
    form (double click, reload, retry after a lost response) adds once."""
    form = AddToCartForm(initial={"product_id": product.pk, "idempotency_key": uuid.uuid4().hex})
    return {
        "form": form,
        "product": product,
        "request": context["request"],
        "cart_max_quantity": context["cart_max_quantity"],
    }
