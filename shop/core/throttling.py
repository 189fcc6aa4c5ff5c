"""Abuse limits shared by every instance: DRF throttles counted atomically in Redis.

``RedisRateThrottle`` is DRF's ``SimpleRateThrottle`` (a ``scope``, a rate such as
``"10/hour"`` from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, ``get_cache_key()``,
``wait()``) with the counting replaced: DRF reads a history list, appends and writes it
back, so parallel requests on several instances all read the same list and slip past
the rate (DRF's documentation says as much). Here each key is one fixed window, counted
by ``INCR`` with ``EXPIRE … NX`` in one round trip: no request goes uncounted, and a
burst can reach at most twice the rate across a window's edge.

An API view names its throttles in ``throttle_classes`` (DRF answers 429 with
``Retry-After``); a page view uses ``throttle_page``, which answers the 429 page.

Limits protect the shop from abuse, they are not what keeps it correct: when Redis does
not answer, a throttle lets the request through and logs it (the request then meets
whatever else needs Redis). Rates are read when a throttle is made, so settings
overrides apply.
"""

import hashlib
import logging
from functools import wraps

from django.shortcuts import render
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

KEY_PREFIX = "throttle:"


def digest(value: str) -> str:
    """A short stable digest for keys that would otherwise hold personal data (e-mails)."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class RedisRateThrottle(SimpleRateThrottle):
    """A fixed-window rate limit per ``get_cache_key()``, counted in Redis.

    Subclasses set ``scope`` and implement ``get_cache_key(request, view)`` (None: not
    limited), and may build keys with ``key(ident)``. ``request`` is DRF's or Django's:
    both have ``META`` (for ``get_ident``) and ``user``; ``view`` may be None (pages).
    """

    redis_alias = "default"
    cache_format = KEY_PREFIX + "%(scope)s:%(ident)s"

    def get_rate(self):
        # At call time: DRF's class attribute THROTTLE_RATES is frozen at import.
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            return super().get_rate()  # DRF's ImproperlyConfigured naming the scope
        return rates[self.scope]

    def key(self, ident):
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        self.retry_after = None
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        try:
            count, _, ttl = (
                get_redis_connection(self.redis_alias)
                .pipeline()
                .incr(key)
                .expire(key, self.duration, nx=True)
                .ttl(key)
                .execute()
            )
        except RedisError:
            logger.warning("throttle %s not counted: Redis unavailable", self.scope)
            return True
        if count > self.num_requests:
            self.retry_after = ttl if ttl and ttl > 0 else self.duration
            return False
        return True

    def wait(self):
        """Seconds until the window ends (DRF's ``Retry-After``), once refused."""
        return self.retry_after


def throttled_wait(request, throttle_classes, view=None):
    """The longest wait among the throttles that refuse ``request``, or None.

    Every throttle counts the request, as DRF's ``check_throttles`` does.
    """
    waits = []
    for throttle in (throttle_class() for throttle_class in throttle_classes):
        if not throttle.allow_request(request, view):
            waits.append(throttle.wait())
    return max(waits) if waits else None


def too_many_requests_page(request, wait):
    """The 429 page, with ``Retry-After``."""
    response = render(request, "errors/429.html", {"retry_after": wait}, status=429)
    response["Retry-After"] = str(int(wait))
    return response


def throttle_page(*throttle_classes, methods=("POST",)):
    """Decorate a page view: requests of ``methods`` over a limit get the 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                wait = throttled_wait(request, throttle_classes)
                if wait is not None:
                    return too_many_requests_page(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
