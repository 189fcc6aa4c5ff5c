"""One order per Idempotency-Key: Redis for speed, the database for truth.

Redis holds the in-flight lock (a concurrent duplicate gets 409) and the stored outcome
(replayed with the same status and body). If Redis lost its records, the unique
constraint on (user, idempotency_key) still finds the order, so a replay returns it and
a concurrent duplicate that slipped past the lock fails on the constraint and returns it
too. Requests refused before anything ran are not recorded.
"""

from shop import idempotency

from . import services
from .exceptions import OutOfStock
from .models import Order
from .serializers import describe
from .services import DuplicateCheckout


def checkout_with_key(*, user_id, cart, address, key, payment_method=""):
    """Check the cart out once per (user, key); return ``(replayed, status, body)``.

    The body is the order (201) or the short lines (409, also recorded). Refusals
    before anything ran (``EmptyCart``, ``UnknownPaymentMethod``) raise and are not
    recorded, so a corrected retry with the same key goes through. The API and the
    checkout page both come through here.
    """
    fingerprint = idempotency.fingerprint("checkout", address.__dict__, payment_method)

    def place():
        try:
            order = services.checkout(
                user_id=user_id,
                cart=cart,
                address=address,
                idempotency_key=key,
                fingerprint=fingerprint,
                payment_method=payment_method,
            )
        except OutOfStock as exc:
            return 409, {"detail": str(exc), "code": "out_of_stock", "lines": exc.lines}
        return 201, describe(order)

    guarded = idempotency.IdempotentRequest(
        scope=f"checkout:user:{user_id}", key=key, fingerprint=fingerprint
    )
    replay = guarded.begin()
    if replay is not None:
        return True, replay.status, replay.body
    try:
        existing = Order.objects.filter(user_id=user_id, idempotency_key=key).first()
        if existing is not None:
            status, body, replayed = _recorded(existing, fingerprint)
        else:
            try:
                (status, body), replayed = place(), False
            except DuplicateCheckout as duplicate:
                status, body, replayed = _recorded(duplicate.order, fingerprint)
    except BaseException:
        guarded.release()
        raise
    guarded.complete(status, body)
    return replayed, status, body


def _recorded(order, fingerprint):
    if order.request_fingerprint != fingerprint:
        raise idempotency.mismatch()
    return 201, describe(order), True
