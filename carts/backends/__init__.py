"""Cart backends, chosen by the ``CARTS`` setting the way ``STORAGES`` chooses storage."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string


@cache
def cart_class():
    """The configured backend class and its options (resolved once, reset on change)."""
    config = getattr(settings, "CARTS", None) or {}
    path = config.get("BACKEND")
    if not path:
        raise ImproperlyConfigured(
            'CARTS must name a backend, e.g. {"BACKEND": "carts.backends.redis.RedisCart"}.'
        )
    return named_class(path), dict(config.get("OPTIONS", {}))


@cache
def named_class(path, option="BACKEND"):
    """The cart class at ``path``, which ``CARTS`` names as ``option`` (the backend, or a
    class a backend's OPTIONS name, such as the bridge's ``MIRROR``)."""
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"CARTS {option} {path!r} cannot be imported: {exc}") from exc


def open_cart(owner, request=None):
    """The cart of ``owner`` (``("user", id)`` or ``("guest", id)``) in the configured backend."""
    backend, options = cart_class()
    return backend(owner, request=request, **options)


@receiver(setting_changed)
def _reset(*, setting, **kwargs):
    if setting == "CARTS":
        cart_class.cache_clear()
