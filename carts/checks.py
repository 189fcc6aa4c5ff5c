"""System checks of the cart store, run by `manage.py check` and at start-up commands."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django_redis import get_redis_connection
from redis.exceptions import RedisError, ResponseError


@register(Tags.caches, "stateless")
def check_carts_redis_never_evicts(app_configs=None, **kwargs):
    """A Redis whose ``maxmemory-policy`` may evict keys silently loses carts, token
    revocations (a signed-out token would work again) and idempotency records."""
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

    Used by the system check and by /readyz. Every django-redis alias is checked, the
    carts alias in every profile too: a legacy shop on its way to Redis carts must know
    before the migration moves carts there, not after they vanish.
    """
    aliases = [
        alias
        for alias, config in settings.CACHES.items()
        if config["BACKEND"].startswith("django_redis.")
    ]
    for alias in aliases:
        try:
            policy = get_redis_connection(alias).config_get("maxmemory-policy")
        except ResponseError:
            continue  # managed Redis that hides CONFIG: the operator's documented duty
        except RedisError:
            continue  # unreachable is reported by /readyz; this check is about policy
        value = policy.get("maxmemory-policy") or policy.get(b"maxmemory-policy")
        if isinstance(value, bytes):
            value = value.decode()
        if value != "noeviction":
            return (
                f"The Redis of cache alias {alias!r} has maxmemory-policy {value!r}: under "
                "memory pressure it may evict carts, revocations or idempotency records."
            )
    return None
