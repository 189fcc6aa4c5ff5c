"""The cart's part of other apps' pages: ``{% add_to_cart_form product %}``.

The product page (shop.catalog) shows the cart's form without importing the cart app:
the catalog does not depend on carts (carts depend on the catalog).
"""

import uuid

from django import template

register = template.Library()


@register.inclusion_tag("carts/_add_to_cart.html", takes_context=True)
def add_to_cart_form(context, product):
    """The add-to-cart form of ``product``, with a fresh idempotency key: a resubmitted
    form (double click, reload, retry after a lost response) adds once.

    Its fields are those of ``carts.forms.AddToCartForm``, which validates the post,
    written out in the template: a form's widgets render through a template each.
    """
    return {
        "idempotency_key": uuid.uuid4().hex,
        "product": product,
        "request": context["request"],
        "cart_max_quantity": context["cart_max_quantity"],
    }
