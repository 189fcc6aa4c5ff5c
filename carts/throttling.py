"""The cart's abuse limit: writes per cart (``RATE_LIMIT_CART_WRITES``), on every instance.

Counted per cart (the signed-in user's, or the guest cart its token names), and per
client address for a guest's writes that have no cart yet, so creating carts one after
another is limited too. Reads are never limited. See ``shop.core.throttling``.
"""

from rest_framework.permissions import SAFE_METHODS

from shop.core.throttling import RedisRateThrottle


class CartWriteThrottle(RedisRateThrottle):
    scope = "cart"

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS:
            return None
        cart = request.cart_locator.idempotency_scope()  # "user:<id>" or "guest:<id>"
        return self.key(cart or f"new:{self.get_ident(request)}")
