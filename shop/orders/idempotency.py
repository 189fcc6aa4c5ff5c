"""One order per Idempotency-Key: Redis for speed, the database for truth.

Redis holds the in-flight lock (a concurrent duplicate gets 409) and the stored outcome
(replayed with the same status and body). If Redis lost its records, the unique
constraint on (user, idempotency_key) still finds the order, so a replay returns it and
a concurrent duplicate that slipped past the lock fails on the constraint and returns it
too. Requests refused before anything ran are not recorded.
"""

from shop import idempotency

from .models import Order
from .services import DuplicateCheckout


def checkout_once(*, user_id, key, fingerprint, place, describe):
    """Run ``place()`` once per (user, key); return ``(replayed, status, body)``.

    ``place()`` returns ``(status, body)`` for outcomes to record (201 with the order,
    409 out of stock) and raises for refusals that must not be recorded (empty cart).
    ``describe(order)`` gives the body of an order found in the database.
    """
    guarded = idempotency.IdempotentRequest(
        scope=f"checkout:user:{user_id}", key=key, fingerprint=fingerprint
    )
    replay = guarded.begin()
    if replay is not None:
        return True, replay.status, replay.body
    try:
        existing = Order.objects.filter(user_id=user_id, idempotency_key=key).first()
        if existing is not None:
            status, body, replayed = _recorded(existing, fingerprint, describe)
        else:
            try:
                (status, body), replayed = place(), False
            except DuplicateCheckout as duplicate:
                status, body, replayed = _recorded(duplicate.order, fingerprint, describe)
    except BaseException:
        guarded.release()
        raise
    guarded.complete(status, body)
    return replayed, status, body


def _recorded(order, fingerprint, describe):
    if order.request_fingerprint != fingerprint:
        raise idempotency.mismatch()
    return 201, describe(order), True
