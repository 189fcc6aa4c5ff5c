"""Abuse limits of identity: the sign-in policy, and the rates of the other entry points.

Sign-in (``LoginThrottle``) is counted in Redis so that every instance sees the same
counters: spreading guesses over instances gains an attacker nothing. The policy is
built so that it cannot be turned against the account's owner:

- **per (e-mail, address) pair, progressive delays**: the first ``LOGIN_FREE_FAILURES``
  failures of an address for an e-mail cost nothing; after that each attempt must wait
  ``LOGIN_DELAY_SECONDS``, doubling with every further failure up to
  ``LOGIN_MAX_DELAY_SECONDS``. The pair's failures are forgotten a day after the last
  one, or at its next successful sign-in. A wrong guess slows only that address's
  guesses for that e-mail.
- **per e-mail, a loose ceiling**: ``LOGIN_FAILURES_PER_EMAIL`` failures from all
  addresses within ``LOGIN_FAILURE_WINDOW_SECONDS`` close the e-mail to addresses it has
  not signed in from (many addresses guessing one password).
- **per address, a loose ceiling**: ``LOGIN_FAILURES_PER_ADDRESS`` failures within the
  window close the address to e-mails that have not signed in from it (one address
  trying many e-mails). Someone else's failures behind the same NAT never lock out
  those who signed in from there before.
- **known pairs**: a successful sign-in remembers its (e-mail, address) pair for
  ``LOGIN_KNOWN_ADDRESS_SECONDS``; both ceilings let a known pair through (its own
  delays still apply). Knowing an e-mail address is then not enough to lock its owner
  out at home, and an owner locked out elsewhere gets in by resetting the password,
  which clears the e-mail's counters (``clear_email``).

Every attempt is counted before the password is checked, in one script, so parallel
guesses cannot slip in under a limit; a successful sign-in gives its attempt back.
Refused attempts are not counted (they check no password). Redis errors are
``IdentityUnavailable``: signing in needs Redis anyway.

The other limits (``RegisterThrottle``…) are DRF throttles on ``shop.core.throttling``,
with rates from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.
"""

import time
from contextlib import suppress

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt.exceptions import TokenError

from shop.core.throttling import RedisRateThrottle, digest

from .exceptions import IdentityUnavailable, LoginThrottled
from .tokens import RefreshToken

REDIS_ALIAS = "default"
KEY_PREFIX = "auth:login:"
# How long a pair's failures are remembered after the last one: long enough that
# waiting out the longest delay does not give an attacker fresh free failures.
PAIR_MEMORY_SECONDS = 24 * 3600

# KEYS: the e-mail's pairs (hash: address -> "failures:not_before"), the e-mail's and
# the address's failure counters, the pair's "known" marker.
# ARGV: now, the address's field, free failures, first delay, longest delay, window,
# e-mail ceiling, address ceiling, pair memory.
# Returns {"ok", 0} (attempt counted) or {reason, seconds to wait}.
ATTEMPT = """
local now = tonumber(ARGV[1])
local failures, not_before = 0, 0
local state = redis.call('HGET', KEYS[1], ARGV[2])
if state then
  local colon = string.find(state, ':')
  failures = tonumber(string.sub(state, 1, colon - 1))
  not_before = tonumber(string.sub(state, colon + 1))
end
if not_before > now then
  return {'pair', math.ceil(not_before - now)}
end
if redis.call('EXISTS', KEYS[4]) == 0 then
  local limits = {tonumber(ARGV[7]), tonumber(ARGV[8])}
  local reasons = {'email', 'address'}
  for i = 1, 2 do
    local key = KEYS[i + 1]
    if tonumber(redis.call('GET', key) or '0') >= limits[i] then
      local ttl = redis.call('TTL', key)
      return {reasons[i], ttl > 0 and ttl or tonumber(ARGV[6])}
    end
  end
end
failures = failures + 1
local delay = 0
if failures >= tonumber(ARGV[3]) then
  delay = math.min(tonumber(ARGV[5]), tonumber(ARGV[4]) * 2 ^ (failures - tonumber(ARGV[3])))
end
redis.call('HSET', KEYS[1], ARGV[2], failures .. ':' .. string.format('%.3f', now + delay))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[9]))
for i = 2, 3 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[6]), 'NX')
end
return {'ok', 0}
"""
# Same KEYS; ARGV: the address's field, how long the pair is known. Forgets the pair's
# failures, gives the attempt back to both counters, remembers the pair.
SUCCEEDED = """
redis.call('HDEL', KEYS[1], ARGV[1])
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
redis.call('SET', KEYS[4], 1, 'EX', tonumber(ARGV[2]))
"""


class LoginThrottle:
    """The sign-in policy of the module docstring for one attempt: ``attempt()`` before
    the password is checked, ``succeeded()`` after a right one."""

    clock = staticmethod(time.time)

    def __init__(self, request, email):
        email_digest = digest(email)
        # DRF's get_ident reads the client address through NUM_PROXIES trusted proxies.
        # (None when the server names no client address, as some WSGI test servers.)
        address = BaseThrottle().get_ident(request) or "unknown"
        self.field = digest(address)
        self.keys = [
            f"{KEY_PREFIX}pairs:{email_digest}",
            f"{KEY_PREFIX}email:{email_digest}",
            f"{KEY_PREFIX}address:{address}",
            f"{KEY_PREFIX}known:{email_digest}:{self.field}",
        ]

    def attempt(self):
        """Count an attempt; raise ``LoginThrottled`` (nothing counted) when refused."""
        reason, wait = self._run(
            ATTEMPT,
            self.clock(),
            self.field,
            settings.LOGIN_FREE_FAILURES,
            settings.LOGIN_DELAY_SECONDS,
            settings.LOGIN_MAX_DELAY_SECONDS,
            settings.LOGIN_FAILURE_WINDOW_SECONDS,
            settings.LOGIN_FAILURES_PER_EMAIL,
            settings.LOGIN_FAILURES_PER_ADDRESS,
            PAIR_MEMORY_SECONDS,
        )
        if reason != b"ok":
            raise LoginThrottled(retry_after=int(wait))

    def succeeded(self):
        """Forget this pair's failures, give the attempt back, and know the pair."""
        self._run(SUCCEEDED, self.field, settings.LOGIN_KNOWN_ADDRESS_SECONDS)

    @classmethod
    def clear_email(cls, email):
        """Forget every failure counted for ``email`` (its owner proved it by e-mail)."""
        email_digest = digest(email)
        try:
            get_redis_connection(REDIS_ALIAS).delete(
                f"{KEY_PREFIX}pairs:{email_digest}", f"{KEY_PREFIX}email:{email_digest}"
            )
        except RedisError as exc:
            raise IdentityUnavailable() from exc

    def _run(self, script, *args):
        try:
            return get_redis_connection(REDIS_ALIAS).eval(script, len(self.keys), *self.keys, *args)
        except RedisError as exc:
            raise IdentityUnavailable() from exc


# --- The other entry points (DRF throttles; rates in DEFAULT_THROTTLE_RATES) -----------


class RegisterThrottle(RedisRateThrottle):
    """Accounts created per client address."""

    scope = "register"

    def get_cache_key(self, request, view):
        return self.key(self.get_ident(request))


class RefreshThrottle(RedisRateThrottle):
    """Refreshes per sign-in (the ``sid`` of a validly signed refresh token in the body);
    a body without one is counted per client address instead."""

    scope = "refresh"

    def get_cache_key(self, request, view):
        raw = request.data.get("refresh") if isinstance(request.data, dict) else None
        sign_in_id = None
        if isinstance(raw, str) and raw:
            # A bad token is refused by the view; it is counted per address meanwhile.
            with suppress(TokenError):
                sign_in_id = RefreshToken(raw).sign_in_id  # signature and expiry checked
        if sign_in_id is None:
            return self.key(f"address:{self.get_ident(request)}")
        return self.key(f"sign-in:{sign_in_id}")


class PasswordResetAddressThrottle(RedisRateThrottle):
    """Reset e-mails asked for, and reset links tried, per client address."""

    scope = "password_reset"

    def get_cache_key(self, request, view):
        return self.key(self.get_ident(request))


class PasswordResetEmailThrottle(RedisRateThrottle):
    """Reset e-mails asked for one address (no mailbox is flooded), from anywhere."""

    scope = "password_reset_email"

    def get_cache_key(self, request, view):
        # DRF's parsed body (API), else the form's (pages).
        data = request.data if view is not None else request.POST
        email = data.get("email") if isinstance(data, dict) or hasattr(data, "getlist") else None
        return self.key(digest(email)) if isinstance(email, str) and email.strip() else None


class EmailChangeThrottle(RedisRateThrottle):
    """Confirmation links asked for per signed-in user."""

    scope = "email_change"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.key(f"address:{self.get_ident(request)}")
        return self.key(f"user:{user.pk}")
