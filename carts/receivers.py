"""Sign-in and sign-out: merge the guest cart in, and reset the header's count."""

import logging

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import services
from .backends import open_cart
from .exceptions import CartUnavailable

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="carts_merge_guest_cart")
def merge_guest_cart(sender, request, user, **kwargs):
    """Move the guest's lines into the user's cart; the header then counts the user's cart.

    Signing in never fails because the carts Redis is down: the guest cart and its token
    are kept, and the next sign-in merges them.
    """
    session = getattr(request, "cart_session", None)
    if session is None:  # a request that did not pass the cart middleware
        return
    user_cart = open_cart(("user", user.pk), request=request)
    if not user_cart.keyed_by_owner:
        return  # session carts: Django keeps the session's data at sign-in
    guest_id = session.guest_id()  # None without a token, or with a tampered one
    try:
        if guest_id is not None:
            report = services.cart_merge(guest=open_cart(("guest", guest_id)), user_cart=user_cart)
            session.forget_guest_token = True
            message = services.merge_message(report)
            if message and not request.path.startswith("/api/"):
                messages.info(request, message)
        session.count = sum(user_cart.lines().values())
    except CartUnavailable:
        logger.warning("cart not merged or counted at sign-in: carts Redis unavailable")


@receiver(user_logged_out, dispatch_uid="carts_forget_count_at_sign_out")
def reset_cart_count(sender, request, **kwargs):
    """The header must not show the signed-out user's cart count to the next visitor."""
    session = getattr(request, "cart_session", None)
    if session is not None:
        session.count = 0
