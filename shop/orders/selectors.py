from django.db.models import QuerySet

from .models import Order

ORDERS_PER_PAGE = 20


def order_list(*, user_id: int) -> QuerySet[Order]:
    """The user's orders, newest first, with their lines."""
    return Order.objects.filter(user_id=user_id).prefetch_related("lines")


def order_get(*, user_id: int, order_id: int) -> Order:
    """One of the user's orders; ``Order.DoesNotExist`` for anybody else's."""
    return order_list(user_id=user_id).get(pk=order_id)
