"""Checkout's abuse limit: checkouts per user (``RATE_LIMIT_CHECKOUT``), on every instance.

Retries of one Idempotency-Key count too: a client that retries a checkout in a tight
loop is slowed like any other. See ``shop.core.throttling``.
"""

from shop.core.throttling import RedisRateThrottle


class CheckoutThrottle(RedisRateThrottle):
    scope = "checkout"

    def get_cache_key(self, request, view):
        user = request.user
        return self.key(user.pk) if user.is_authenticated else None
