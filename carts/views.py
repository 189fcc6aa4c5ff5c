"""Cart pages: they work as plain form posts, each answered with a redirect (PRG)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shop import idempotency

from . import services
from .exceptions import InvalidCartRequest
from .forms import AddToCartForm, SetQuantityForm
from .idempotency import add_once


def cart_page(request):
    view = services.cart_view(cart=request.cart_session.cart())
    request.cart_session.count = view.total_quantity
    return render(request, "carts/cart.html", {"cart": view})


@require_POST
def add(request):
    form = AddToCartForm(request.POST)
    back = _back(request)
    if not form.is_valid():
        messages.error(request, "Choose a quantity between 1 and 999.")
        return redirect(back)
    data = form.cleaned_data

    def add_to_cart():
        view = services.cart_add(
            cart=request.cart_session.cart(create=True),
            product_id=data["product_id"],
            quantity=data["quantity"],
        )
        request.cart_session.count = view.total_quantity
        return 302, None

    try:
        if data["idempotency_key"]:
            replayed, _, _ = add_once(
                request,
                key=data["idempotency_key"],
                fingerprint=idempotency.fingerprint(data["product_id"], data["quantity"]),
                add=add_to_cart,
            )
        else:
            replayed, _, _ = (False, *add_to_cart())
    except (
        InvalidCartRequest,
        idempotency.IdempotencyMismatch,
        idempotency.InvalidIdempotencyKey,
    ) as exc:
        messages.error(request, str(exc))
        return redirect(back)
    except idempotency.IdempotencyInProgress:
        messages.info(request, "Still adding that to your cart; have a look in a moment.")
        return redirect("carts:cart")
    if not replayed:
        messages.success(request, "Added to your cart.")
    return redirect("carts:cart")


@require_POST
def set_quantity(request, product_id):
    form = SetQuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a quantity between 0 and 999.")
        return redirect("carts:cart")
    try:
        view = services.cart_set(
            cart=request.cart_session.cart(create=True),
            product_id=product_id,
            quantity=form.cleaned_data["quantity"],
        )
    except InvalidCartRequest as exc:
        messages.error(request, str(exc))
        return redirect("carts:cart")
    request.cart_session.count = view.total_quantity
    return redirect("carts:cart")


@require_POST
def remove(request, product_id):
    view = services.cart_remove(cart=request.cart_session.cart(), product_id=product_id)
    request.cart_session.count = view.total_quantity
    messages.success(request, "Removed from your cart.")
    return redirect("carts:cart")


def _back(request):
    """Where a refused add goes back to: a safe local ``next`` path, else the cart."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return reverse("carts:cart")
