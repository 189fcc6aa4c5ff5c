"""Checkout, confirmation and order history pages."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from accounts.identity import authenticated_user_id
from carts import services as carts
from shop import idempotency

from . import selectors
from .exceptions import EmptyCart
from .forms import ShippingAddressForm
from .idempotency import checkout_with_key
from .models import Order


@login_required
def checkout(request):
    """The address form, the review of the cart, and the "Place order" button.

    The form carries an idempotency key made when the page is rendered, so a double
    click or a back-and-resubmit places one order.
    """
    status = 200
    if request.method == "POST":
        form = ShippingAddressForm(request.POST)
        if form.is_valid():
            outcome = _place_order(request, form)
            if outcome is not None:
                return outcome
            status = 409
        else:
            status = 400
    else:
        form = ShippingAddressForm(initial={"idempotency_key": uuid.uuid4().hex})
    # Checked after a POST was tried: a resubmitted form replays its order even though
    # the cart was emptied by the first submission.
    cart = carts.cart_view(cart=request.cart_session.cart())
    if not cart.lines:
        messages.info(request, "Your cart is empty.")
        return redirect("carts:cart")
    if status != 200:  # another try makes another request: a fresh key
        form.data = form.data.copy()
        form.data["idempotency_key"] = uuid.uuid4().hex
    return render(request, "orders/checkout.html", {"form": form, "cart": cart}, status=status)


def _place_order(request, form):
    try:
        replayed, status, body = checkout_with_key(
            user_id=authenticated_user_id(request),
            cart=request.cart_session.cart(),
            address=form.address(),
            key=form.cleaned_data["idempotency_key"],
        )
    except EmptyCart:
        messages.info(request, "Your cart is empty.")
        return redirect("carts:cart")
    except idempotency.IdempotencyInProgress:
        messages.info(request, "Your order is being placed; it will appear here in a moment.")
        return redirect("orders:order-list")
    except idempotency.IdempotencyMismatch:
        messages.error(
            request, "This checkout form was already used; please check and submit again."
        )
        return redirect("orders:checkout")
    if status == 409:
        messages.error(request, body["detail"])
        return None
    if not replayed:
        request.cart_session.count = 0  # the header, until the cart page counts again
    return redirect(f"{Order(pk=body['id']).get_absolute_url()}?placed=1")


@login_required
def order_list(request):
    orders = selectors.order_list(user_id=authenticated_user_id(request))
    return render(request, "orders/order_list.html", {"orders": orders})


@login_required
def order_detail(request, order_id):
    try:
        order = selectors.order_get(user_id=authenticated_user_id(request), order_id=order_id)
    except Order.DoesNotExist:
        raise Http404("No such order.") from None
    placed = request.GET.get("placed") == "1"
    return render(request, "orders/order_detail.html", {"order": order, "placed": placed})
