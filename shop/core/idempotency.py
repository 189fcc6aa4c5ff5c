"""The one idempotency runner (IETF draft "The Idempotency-Key HTTP Header").

``run_once(scope=, key=, fingerprint=, action=)`` runs ``action`` once per (scope, key)
and answers ``(outcome, replayed)``:

- The first request takes an in-flight lock in Redis; another with the same key while
  it runs raises ``IdempotencyInProgress``. A lock left by a killed worker expires after
  ``IDEMPOTENCY_LOCK_SECONDS`` and is taken over; a lock is released only by its owner.
- What the action ends in is recorded, with a fingerprint of the request, for
  ``IDEMPOTENCY_TTL_SECONDS``: a domain ``Outcome`` it returns, or a ``Refusal`` it raises
  (a refusal that is an answer, such as "not enough stock"). The same key and fingerprint
  replay it: the outcome is returned again, the refusal raised again (``replayed`` set).
  The same key with another fingerprint raises ``IdempotencyMismatch``.
- Any other exception releases the key unrecorded, so a corrected retry goes through.
- An action that finds its work already done by an earlier request (the caller's own
  record, e.g. checkout's unique constraint when Redis lost its records) returns
  ``Replayed(outcome)``: recorded, and answered as a replay.
- Round trips: begin, the action's, complete. A caller on this same Redis may send its
  reads with begin and record the outcome in its own write script (``run_once_with``,
  ``IdempotentRequest.completion``): the cart's keyed add is two in all.

Outcomes are domain objects, never HTTP: an API serialises them (so a replay gives an
API client the same bytes), a page acts on them. Keys are scoped by the caller (per
user, per cart). Redis errors raise ``IdempotencyUnavailable``.

What a client can act on: "still running" is a 409 ``idempotency_key_in_use`` with
``Retry-After`` (retry the same request, same key: it will answer what the first ended
in); a replayed refusal keeps its own code (checkout's 409 ``out_of_stock``) and says
``Idempotent-Replayed: true`` (retrying the same key answers it again: change the
request and use a new key). ``shop.core.idempotency_schema`` puts that in the OpenAPI
schema.
"""

import dataclasses
import hashlib
import json
import secrets
from typing import ClassVar

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from .exceptions import (
    IdempotencyInProgress,
    IdempotencyMismatch,
    IdempotencyUnavailable,
    InvalidIdempotencyKey,
)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
REDIS_ALIAS = "default"
# v2: records hold domain outcomes; v1 records (HTTP bodies) are simply not read.
KEY_PREFIX = "idempotency:v2:"
MAX_KEY_LENGTH = 255
# The API's codes for the runner's refusals (shop.api_errors maps the exceptions to them).
IN_PROGRESS_CODE = "idempotency_key_in_use"
MISMATCH_CODE = "idempotency_key_reused"
# Seconds a client should wait before retrying while the first request with its key is
# still running (``IdempotencyInProgress``): requests take well under a second.
IN_PROGRESS_RETRY_AFTER = 1


class Outcome:
    """Base of what a keyed request ends in; a subclass names its ``kind`` and is then
    known to the runner, which stores ``to_record()`` and rebuilds it with
    ``from_record()``. The defaults suit a dataclass of JSON values."""

    kind: ClassVar[str] = ""
    _kinds: ClassVar[dict] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind:
            Outcome._kinds[cls.kind] = cls

    def to_record(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, data: dict):
        return cls(**data)


class Refusal(Outcome, Exception):
    """An outcome that is a refusal: raised by the action, recorded, raised again on a
    replay with ``replayed = True`` (so the API can say so)."""

    replayed = False


@dataclasses.dataclass(frozen=True)
class Replayed:
    """Returned by an action that found its work already done by an earlier request."""

    outcome: Outcome


@dataclasses.dataclass(frozen=True)
class Recorded:
    """Returned by an action whose own script stored ``request.completion(outcome)``."""

    outcome: Outcome


@dataclasses.dataclass(frozen=True)
class Completion:
    """What ``complete`` would send, for a caller's own script (``LUA_COMPLETION``)."""

    outcome_key: str
    lock_key: str
    record: str
    ttl: int
    token: str


# Prepended to a caller's script: idempotency_complete(outcome_key, lock_key, record, ttl, token).
LUA_COMPLETION = """
local function idempotency_complete(outcome_key, lock_key, record, ttl, token)
  redis.call('SET', outcome_key, record, 'EX', ttl)
  if redis.call('GET', lock_key) == token then redis.call('DEL', lock_key) end
end
"""


def parse_key(request, *, required=False):
    """The request's Idempotency-Key, or None when absent and not ``required``.

    Raises ``InvalidIdempotencyKey`` for a missing required key, an empty one, one longer
    than 255 characters, or one with control characters.
    """
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


def mark_replayed(response, replayed=True):
    """Say on ``response`` that it replays an earlier answer; returns the response."""
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def run_once(*, scope, key, fingerprint, action):
    """Run ``action()`` once per (scope, key); return ``(outcome, replayed)``.

    See the module docstring for what is recorded and what is raised.
    """
    request = IdempotentRequest(scope=scope, key=key, fingerprint=fingerprint)
    return run_once_with(request, action=action)


def run_once_with(request, *, action, send_with=None):
    """``run_once`` for a caller's own ``request``, whose action may build
    ``request.completion(outcome)`` into its write and return ``Recorded``;
    ``send_with`` goes to ``request.begin``."""
    stored = request.begin(send_with=send_with)
    if stored is not None:
        return _replay(stored)
    try:
        result = action()
    except Refusal as refusal:
        request.complete(refusal)
        raise
    except BaseException:
        request.release()
        raise
    if isinstance(result, Recorded):
        return result.outcome, False
    replayed = isinstance(result, Replayed)
    outcome = result.outcome if replayed else result
    request.complete(outcome)
    return outcome, replayed


def _replay(outcome):
    if isinstance(outcome, Refusal):
        outcome.replayed = True
        raise outcome
    return outcome, True


# Drop the lock only if it is still ours: one taken over after ours expired is not.
RELEASE_OWN_LOCK = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


class IdempotentRequest:
    """One keyed request in Redis: ``begin()``, then ``complete()`` or ``release()``.

    ``run_once`` is the way to use it; tests take a lock with ``begin()`` to play a
    worker that is still running, or was killed.
    """

    def __init__(self, *, scope, key, fingerprint):
        digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()
        self.outcome_key = f"{KEY_PREFIX}outcome:{digest}"
        self.lock_key = f"{KEY_PREFIX}lock:{digest}"
        self.fingerprint = fingerprint
        self.token = secrets.token_hex(8)

    def begin(self, *, send_with=None):
        """The stored outcome to replay, or None when this request should run.

        Raises ``IdempotencyMismatch`` (another request) or ``IdempotencyInProgress``.

        ``send_with``: ``(queue, answered)`` for a caller's own commands on this same
        Redis: ``queue(pipeline)`` adds them ahead of the runner's, ``answered(replies)``
        gets their replies first; if it raises, the lock is given back.
        """

        # One round trip: try for the lock and read any outcome together. An outcome
        # read after the lock was won is final (its writer dropped the lock after it).
        def send(r):
            pipe = r.pipeline()
            if send_with is not None:
                send_with[0](pipe)
            theirs = len(pipe)
            pipe.set(self.lock_key, self.token, nx=True, ex=settings.IDEMPOTENCY_LOCK_SECONDS)
            replies = pipe.get(self.outcome_key).execute()
            return replies[:theirs], replies[theirs:]

        theirs, (acquired, raw) = self._redis(send)
        if send_with is not None:
            try:
                send_with[1](theirs)
            except BaseException:
                if acquired:
                    self.release()
                raise
        stored = self._decode(raw)
        if stored is not None:
            if acquired:
                self.release()
            outcome, same_request = stored
            if not same_request:
                raise IdempotencyMismatch()
            return outcome
        if not acquired:
            raise IdempotencyInProgress()
        return None

    def peek(self):
        """``(outcome, same_request)`` stored for this scope and key whatever request it
        answered, or None; takes no lock. ``same_request``: the fingerprint matches."""
        return self._decode(self._redis(lambda r: r.get(self.outcome_key)))

    def queue_peek(self, pipe):
        """``peek()`` queued on ``pipe`` (of ``REDIS_ALIAS``), for a caller's own round
        trip; returns ``stored(reply)``, which gives what ``peek()`` would."""
        pipe.get(self.outcome_key)
        return self._decode

    def completion(self, outcome):
        """``complete(outcome)`` as a ``Completion`` for a caller's own script."""
        return Completion(
            outcome_key=self.outcome_key,
            lock_key=self.lock_key,
            record=self._record(outcome),
            ttl=settings.IDEMPOTENCY_TTL_SECONDS,
            token=self.token,
        )

    def complete(self, outcome):
        """Record ``outcome`` and drop the lock."""
        record = self._record(outcome)
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

    def _record(self, outcome):
        return json.dumps(
            {"fingerprint": self.fingerprint, "kind": outcome.kind, "data": outcome.to_record()},
            default=str,
        )

    def _decode(self, raw):
        if raw is None:
            return None
        record = json.loads(raw)
        outcome = Outcome._kinds[record["kind"]].from_record(record["data"])
        return outcome, record["fingerprint"] == self.fingerprint

    @staticmethod
    def _redis(operation):
        try:
            return operation(get_redis_connection(REDIS_ALIAS))
        except RedisError as exc:
            raise IdempotencyUnavailable() from exc
