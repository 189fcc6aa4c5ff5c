"""Merge the guest cart into the user's cart when a guest signs in or registers."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services
from .backends import open_cart


@receiver(user_logged_in, dispatch_uid="carts_merge_guest_cart")
def merge_guest_cart(sender, request, user, **kwargs):
    session = getattr(request, "cart_session", None)
    if session is None:  # a request that did not pass the cart middleware
        return
    guest_id = session.guest_id()
    if guest_id is None:
        return  # no guest cart, or a tampered token: nothing to merge
    user_cart = open_cart(("user", user.pk), request=request)
    if not user_cart.keyed_by_owner:
        return  # session carts: Django keeps the session's data at sign-in
    report = services.cart_merge(guest=open_cart(("guest", guest_id)), user_cart=user_cart)
    session.forget_guest_token = True
    session.merge_report = report
    message = services.merge_message(report)
    if message and not request.path.startswith("/api/"):
        messages.info(request, message)
