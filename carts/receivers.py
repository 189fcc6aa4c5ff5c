"""Sign-in and sign-out: merge the guest cart in, and reset the header's count."""

import logging

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from shop.core.http import is_api_request

from . import services, wording
from .exceptions import CartUnavailable

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="carts_merge_guest_cart")
def merge_guest_cart(sender, request, user, **kwargs):
    """Move the guest's lines into the user's cart; the header then counts the user's cart.

    Signing in never fails because the carts Redis is down: the guest cart and its token
    are kept, and the next sign-in merges them. A request that names no guest cart (no
    token, a tampered one, or a session cart, which Django keeps at sign-in) merges
    nothing.
    """
    locator = getattr(request, "cart_locator", None)
    if locator is None:  # signed in outside a request (e.g. Client.force_login in tests)
        return
    guest = locator.guest_cart()
    user_cart = locator.user_cart(user.pk)
    try:
        if guest is not None:
            report = services.cart_merge(guest=guest, user_cart=user_cart)
            locator.forget_guest()
            message = wording.merge_message(report)
            if message and not is_api_request(request):
                messages.info(request, message)
        user_cart.lines()  # counts the user's cart for the header
    except CartUnavailable:
        logger.warning("cart not merged or counted at sign-in: carts Redis unavailable")


@receiver(user_logged_out, dispatch_uid="carts_forget_count_at_sign_out")
def reset_cart_count(sender, request, **kwargs):
    """The header must not show the signed-out user's cart count to the next visitor."""
    locator = getattr(request, "cart_locator", None)
    if locator is not None:  # as above: signed out outside a request
        locator.signed_out()
