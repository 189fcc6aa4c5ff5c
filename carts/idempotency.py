"""Adds that count once however often a client retries them (the Idempotency-Key)."""

from shop import idempotency


def add_once(request, *, key, fingerprint, add):
    """Run ``add()`` (returning ``(status, body)``) once per key and cart.

    Returns ``(replayed, status, body)``.

    The key is scoped to the cart's owner; a guest's very first add (no cart token yet)
    is scoped to the key alone and its replay hands back the same new cart token, so a
    retry after a lost response lands in the same cart. An add that raises is not
    recorded, so a corrected retry with the same key goes through.
    """
    session = request.cart_session
    owner = session.owner()
    guarded = idempotency.IdempotentRequest(
        scope=f"cart-add:{owner[0]}:{owner[1]}" if owner else "cart-add:new-guest",
        key=key,
        fingerprint=fingerprint,
    )
    replay = guarded.begin()
    if replay is not None:
        session.issued_token = replay.extra.get("cart_token") or None
        return True, replay.status, replay.body
    try:
        status, body = add()
    except BaseException:
        guarded.release()
        raise
    guarded.complete(status, body, cart_token=session.issued_token)
    return False, status, body
