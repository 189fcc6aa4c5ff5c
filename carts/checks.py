"""System checks of the cart store, run by `manage.py check` and at start-up commands."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django_redis import get_redis_connection
from redis.exceptions import RedisError, ResponseError

from .backends import cart_class


@register(Tags.caches, "stateless")
def check_carts_redis_never_evicts(app_configs=None, **kwargs):
    """A carts Redis whose ``maxmemory-policy`` may evict keys silently loses carts."""
    problem = eviction_problem()
    if problem is None:
        return []
    level = Error if settings.CARTS_EVICTION_CHECK_LEVEL == "error" else Warning
    return [
        level(
            problem,
            hint="Run the carts Redis with `maxmemory-policy noeviction` (redis.conf or "
            "`CONFIG SET maxmemory-policy noeviction`); see docs/operations.md.",
            id="carts.E001" if level is Error else "carts.W001",
        )
    ]


def eviction_problem():
    """A sentence saying why the carts Redis may lose carts, or None when it may not.

    Used by the system check and by /readyz.
    """
    backend, options = cart_class()
    if not backend.keyed_by_owner:
        return None  # session carts do not live in Redis
    alias = options.get("ALIAS", "carts")
    try:
        policy = get_redis_connection(alias).config_get("maxmemory-policy")
    except ResponseError:
        return None  # managed Redis that hides CONFIG: the operator's documented duty
    except RedisError:
        return None  # unreachable is reported by /readyz; this check is about policy
    value = policy.get("maxmemory-policy") or policy.get(b"maxmemory-policy")
    if isinstance(value, bytes):
        value = value.decode()
    if value != "noeviction":
        return (
            f"The carts Redis (cache alias {alias!r}) has maxmemory-policy {value!r}: "
            "under memory pressure it may evict carts."
        )
    return None
