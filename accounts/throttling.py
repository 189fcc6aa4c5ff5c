"""Sign-in attempts counted in Redis, per e-mail address and per client address.

The counters live in Redis so that every instance sees the same ones: spreading
guesses over instances gains an attacker nothing. A window starts with the first
attempt; a successful sign-in gives its attempt back, so what accumulates are failures.
Past the limit, sign-in answers 429 with ``Retry-After`` until the window ends.
"""

import hashlib

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from .exceptions import IdentityUnavailable, LoginThrottled

REDIS_ALIAS = "default"
KEY_PREFIX = "auth:login-failures:"


class LoginThrottle:
    def __init__(self, request, email):
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        # DRF's get_ident reads the client address through NUM_PROXIES trusted proxies.
        address = BaseThrottle().get_ident(request)
        self.limits = {
            f"{KEY_PREFIX}email:{digest}": settings.LOGIN_FAILURES_PER_EMAIL,
            f"{KEY_PREFIX}address:{address}": settings.LOGIN_FAILURES_PER_ADDRESS,
        }

    def attempt(self):
        """Count an attempt before checking the password; raise once over a limit.

        Counting first (one round trip) means parallel guesses cannot all slip in under
        the limit before any of them is counted. A successful sign-in gives the attempt
        back (``succeeded``).
        """
        window = settings.LOGIN_FAILURE_WINDOW_SECONDS
        pipe = self._redis().pipeline()
        for key in self.limits:
            pipe.incr(key).expire(key, window, nx=True).ttl(key)
        replies = self._execute(pipe)
        for limit, count, ttl in zip(
            self.limits.values(), replies[::3], replies[2::3], strict=True
        ):
            if count > limit:
                raise LoginThrottled(retry_after=ttl if ttl and ttl > 0 else 1)

    def succeeded(self):
        """Forget this e-mail's failures and give back this attempt of the address."""
        email_key, address_key = self.limits
        self._execute(self._redis().pipeline().delete(email_key).decr(address_key))

    @staticmethod
    def _redis():
        return get_redis_connection(REDIS_ALIAS)

    @staticmethod
    def _execute(pipe):
        try:
            return pipe.execute()
        except RedisError as exc:
            raise IdentityUnavailable() from exc
