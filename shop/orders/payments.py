"""Payment providers. Checkout asks the configured provider to take payment; adding a
provider is a new class and a line in ``PAYMENT_PROVIDERS``, not a change to checkout.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .exceptions import UnknownPaymentMethod


class PaymentProvider:
    """Base class. ``name`` is what clients send as ``payment_method``."""

    name = ""
    label = ""

    def pay(self, order) -> str:
        """Take payment for ``order`` inside the checkout transaction; return its status.

        Raise to refuse: the whole checkout rolls back. A provider that calls a remote
        service should authorise here and capture after commit.
        """
        raise NotImplementedError


class PayOnDelivery(PaymentProvider):
    """Cash or card at the door: nothing to call, the order stays ``placed``."""

    name = "pay_on_delivery"
    label = "Pay on delivery"

    def pay(self, order):
        return order.Status.PLACED


@cache
def providers() -> dict[str, PaymentProvider]:
    return {p.name: p for p in (import_string(path)() for path in settings.PAYMENT_PROVIDERS)}


def provider(name=None) -> PaymentProvider:
    """The provider called ``name``; the first configured one when ``name`` is empty."""
    configured = providers()
    if not name:
        return next(iter(configured.values()))
    try:
        return configured[name]
    except KeyError:
        raise UnknownPaymentMethod(f"Unknown payment method {name!r}.") from None


@receiver(setting_changed)
def _reset(*, setting, **kwargs):
    if setting == "PAYMENT_PROVIDERS":
        providers.cache_clear()
