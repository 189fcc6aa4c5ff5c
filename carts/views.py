"""Cart pages: they work as plain form posts, each answered with a redirect (PRG).

The header's count is recorded by the cart itself (``carts.locators``), not here.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.backends.utils import csrf_input
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shop.core import idempotency
from shop.core.exceptions import (
    IdempotencyInProgress,
    IdempotencyMismatch,
    InvalidIdempotencyKey,
)
from shop.core.throttling import throttle_page
from shop.core.urls import fixed_url

from . import services
from .exceptions import InvalidCartRequest
from .forms import MAX_QUANTITY_INPUT, AddToCartForm, SetQuantityForm
from .throttling import CartWriteThrottle


def cart_page(request):
    """The cart, a row per line. The rows' links and the forms' CSRF field are made here
    once (``fixed_url`` keeps each path per process), not by a template tag per form:
    a tag's rendering was a sixth of a ten-line cart page."""
    view = services.cart_view(cart=request.cart_locator.cart())
    rows = [
        (
            line,
            fixed_url("catalog:product-detail", line.slug),
            fixed_url("carts:set-quantity", line.product_id),
            fixed_url("carts:remove", line.product_id),
        )
        for line in view.lines
    ]
    context = {"cart": view, "rows": rows, "csrf_input": csrf_input(request)}
    return render(request, "carts/cart.html", context)


@require_POST
@throttle_page(CartWriteThrottle)
def add(request):
    form = AddToCartForm(request.POST)
    back = _back(request)
    if not form.is_valid():
        messages.error(request, f"Choose a quantity between 1 and {MAX_QUANTITY_INPUT}.")
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    try:
        if data["idempotency_key"]:
            _, replayed = services.cart_add_once(
                carts=request.cart_locator,
                key=data["idempotency_key"],
                fingerprint=idempotency.fingerprint(data["product_id"], data["quantity"]),
                product_id=data["product_id"],
                quantity=data["quantity"],
            )
        else:
            services.cart_add(
                cart=request.cart_locator.cart(create=True),
                product_id=data["product_id"],
                quantity=data["quantity"],
            )
            replayed = False
    except (InvalidCartRequest, IdempotencyMismatch, InvalidIdempotencyKey) as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(back)
    except IdempotencyInProgress:
        messages.info(request, "Still adding that to your cart; have a look in a moment.")
        return _to_cart()
    if not replayed:
        messages.success(request, "Added to your cart.")
    return _to_cart()


@require_POST
@throttle_page(CartWriteThrottle)
def set_quantity(request, product_id):
    form = SetQuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Choose a quantity between 0 and {MAX_QUANTITY_INPUT}.")
        return _to_cart()
    try:
        services.cart_set(
            cart=request.cart_locator.cart(create=True),
            product_id=product_id,
            quantity=form.cleaned_data["quantity"],
        )
    except InvalidCartRequest as exc:
        messages.error(request, str(exc))
    return _to_cart()


@require_POST
@throttle_page(CartWriteThrottle)
def remove(request, product_id):
    services.cart_remove(cart=request.cart_locator.cart(), product_id=product_id)
    messages.success(request, "Removed from your cart.")
    return _to_cart()


def _to_cart():
    # A path, not a view name: redirect() would first try reversing the path itself.
    return HttpResponseRedirect(fixed_url("carts:cart"))


def _back(request):
    """Where a refused add goes back to: a safe local ``next`` path, else the cart."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fixed_url("carts:cart")
