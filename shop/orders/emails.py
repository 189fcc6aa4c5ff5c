from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from .models import Order


def send_order_confirmation(order_id: int) -> None:
    """Send the confirmation e-mail; called after the checkout transaction commits."""
    order = Order.objects.select_related("user").prefetch_related("lines").get(pk=order_id)
    send_mail(
        subject=f"Your order {order.number}",
        message=render_to_string("orders/email/confirmation.txt", {"order": order}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.user.email],
    )
