"""Checkout, confirmation and order history pages."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from carts import services as carts
from shop.core.exceptions import IdempotencyInProgress, IdempotencyMismatch
from shop.core.throttling import throttle_page

from . import payments, selectors, services
from .exceptions import EmptyCart, OutOfStock
from .forms import ShippingAddressForm
from .models import Order
from .throttling import CheckoutThrottle


@login_required
@throttle_page(CheckoutThrottle)
def checkout(request):
    """The address form, the review of the cart, and the "Place order" button.

    The form carries an idempotency key made when the page is rendered, so a double
    click or a back-and-resubmit places one order.
    """
    status = 200
    if request.method == "POST":
        form = ShippingAddressForm(request.POST)
        if form.is_valid():
            placed = _place_order(request, form)
            if placed is not None:
                return placed
            status = 409
        else:
            status = 400
    else:
        form = ShippingAddressForm(initial={"idempotency_key": uuid.uuid4().hex})
    # Checked after a POST was tried: a resubmitted form replays its order even though
    # the cart was emptied by the first submission.
    cart = carts.cart_view(cart=request.cart_locator.cart())
    if not cart.lines:
        messages.info(request, "Your cart is empty.")
        return redirect("carts:cart")
    if status != 200:  # another try makes another request: a fresh key
        form.data = form.data.copy()
        form.data["idempotency_key"] = uuid.uuid4().hex
    context = {"form": form, "cart": cart, "payment": payments.provider()}
    return render(request, "orders/checkout.html", context, status=status)


def _place_order(request, form):
    """A redirect to the placed (or replayed) order, another redirect when the order
    cannot be placed from this form, or None to show the form again (out of stock)."""
    try:
        placed, _ = services.checkout_once(
            user_id=request.identity.user_id,
            cart=request.cart_locator.cart(),
            address=form.address(),
            key=form.cleaned_data["idempotency_key"],
        )
    except EmptyCart:
        messages.info(request, "Your cart is empty.")
        return redirect("carts:cart")
    except OutOfStock as exc:
        messages.error(request, str(exc))
        return None
    except IdempotencyInProgress:
        messages.info(request, "Your order is being placed; it will appear here in a moment.")
        return redirect("orders:order-list")
    except IdempotencyMismatch:
        messages.error(
            request, "This checkout form was already used; please check and submit again."
        )
        return redirect("orders:checkout")
    order_url = reverse("orders:order-detail", kwargs={"order_id": placed.order_id})
    return redirect(f"{order_url}?placed=1")


@login_required
def order_list(request):
    orders = selectors.order_list(user_id=request.identity.user_id)
    return render(request, "orders/order_list.html", {"orders": orders})


@login_required
def order_detail(request, order_id):
    try:
        order = selectors.order_get(user_id=request.identity.user_id, order_id=order_id)
    except Order.DoesNotExist:
        raise Http404("No such order.") from None
    placed = request.GET.get("placed") == "1"
    return render(request, "orders/order_detail.html", {"order": order, "placed": placed})
