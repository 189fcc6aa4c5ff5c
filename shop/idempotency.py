"""Idempotency keys for unsafe requests (IETF draft "The Idempotency-Key HTTP Header").

The first request with a key takes an in-flight lock in Redis; a second one with the same
key while it runs gets 409. The outcome (status and body) is stored with a fingerprint
of the request, for ``IDEMPOTENCY_TTL_SECONDS``: the same key and body replay it, another
body gets 422. A lock left by a killed worker expires after ``IDEMPOTENCY_LOCK_SECONDS``
and is taken over. Keys are scoped (per user, per cart) by the caller. Checkout adds the
database's unique constraint as the source of truth; cart adds rely on Redis alone.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

HEADER = "Idempotency-Key"
REDIS_ALIAS = "default"
KEY_PREFIX = "idempotency:"
MAX_KEY_LENGTH = 255


class InvalidIdempotencyKey(Exception):
    """The key is empty, longer than 255 characters, or has control characters."""


class IdempotencyInProgress(Exception):
    """A request with this key is still running."""


class IdempotencyMismatch(Exception):
    """This key was used with a different request body."""


def mismatch():
    return IdempotencyMismatch("This Idempotency-Key was already used with a different request.")


class IdempotencyUnavailable(Exception):
    """Redis did not answer, so the key can be neither checked nor recorded."""


@dataclass(frozen=True)
class Outcome:
    status: int
    body: object
    extra: dict
    same_request: bool = True  # False: the key was used with another request


def parse_key(request, *, required=False):
    """The request's Idempotency-Key, or None when absent and not ``required``."""
    key = request.headers.get(HEADER)
    if key is None:
        if required:
            raise InvalidIdempotencyKey(f"The {HEADER} header is required.")
        return None
    if not key or len(key) > MAX_KEY_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise InvalidIdempotencyKey(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable characters."
        )
    return key


def fingerprint(*parts):
    """A stable digest of the request's meaning (method, path, parsed body)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Drop the lock only if it is still ours: one taken over after ours expired is not.
RELEASE_OWN_LOCK = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


class IdempotentRequest:
    """One keyed request: ``begin()``, then ``complete()`` or ``release()``."""

    def __init__(self, *, scope, key, fingerprint):
        digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()
        self.outcome_key = f"{KEY_PREFIX}outcome:{digest}"
        self.lock_key = f"{KEY_PREFIX}lock:{digest}"
        self.fingerprint = fingerprint
        self.token = secrets.token_hex(8)

    def begin(self):
        """Return the stored ``Outcome`` to replay, or None when this request should run.

        Raises ``IdempotencyMismatch`` (another body) or ``IdempotencyInProgress``.
        """
        # One round trip: try for the lock and read any outcome together. An outcome
        # read after the lock was won is final (its writer dropped the lock after it).
        acquired, raw = self._redis(
            lambda r: (
                r.pipeline()
                .set(self.lock_key, self.token, nx=True, ex=settings.IDEMPOTENCY_LOCK_SECONDS)
                .get(self.outcome_key)
                .execute()
            )
        )
        replay = self._outcome(raw)
        if replay is not None:
            if acquired:
                self.release()
            return replay
        if not acquired:
            raise IdempotencyInProgress("A request with this Idempotency-Key is in progress.")
        return None

    def peek(self):
        """The stored ``Outcome`` (whatever request it answered), or None; takes no lock."""
        return self._stored(verify=False)

    def complete(self, status, body, **extra):
        record = json.dumps(
            {"fingerprint": self.fingerprint, "status": status, "body": body, "extra": extra},
            default=str,
        )

        self._redis(
            lambda r: (
                r.pipeline()
                .set(self.outcome_key, record, ex=settings.IDEMPOTENCY_TTL_SECONDS)
                .eval(RELEASE_OWN_LOCK, 1, self.lock_key, self.token)
                .execute()
            )
        )

    def release(self):
        """Give the key up without recording anything (the request was refused)."""
        self._redis(lambda r: r.eval(RELEASE_OWN_LOCK, 1, self.lock_key, self.token))

    def _stored(self, verify=True):
        return self._outcome(self._redis(lambda r: r.get(self.outcome_key)), verify)

    def _outcome(self, raw, verify=True):
        if raw is None:
            return None
        record = json.loads(raw)
        same = record["fingerprint"] == self.fingerprint
        if verify and not same:
            raise mismatch()
        return Outcome(record["status"], record["body"], record.get("extra", {}), same)

    @staticmethod
    def _redis(operation):
        try:
            return operation(get_redis_connection(REDIS_ALIAS))
        except RedisError as exc:
            raise IdempotencyUnavailable(
                "Requests with an Idempotency-Key cannot be handled for a moment."
            ) from exc
