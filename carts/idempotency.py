"""Adds that count once however often a client retries them (the Idempotency-Key)."""

from shop import idempotency

FIRST_ADD_MIN_KEY_LENGTH = 32  # a UUID's hex digits


def add_once(request, *, key, fingerprint, add):
    """Run ``add()`` (returning ``(status, body)``) once per key and cart.

    Returns ``(replayed, status, body)``.

    The key is scoped to the cart's owner. A guest's very first add (no cart token yet)
    is scoped to the key alone and its replay hands back the same new cart token, so a
    retry after a lost response lands in the same cart; a retry that already carries
    that token replays it too. An add that raises is not recorded, so a corrected retry
    with the same key goes through.
    """
    session = request.cart_session
    owner = session.owner()
    if owner is not None and owner[0] == "session":
        # Session carts have no owner id of their own: the session key names the cart.
        if not request.session.session_key:
            request.session.save()
        owner = ("session", request.session.session_key)
    first_add = idempotency.IdempotentRequest(
        scope="cart-add:new-guest", key=key, fingerprint=fingerprint
    )
    if owner is None:
        # This scope is shared by every client, and its replay hands out a cart token:
        # only a key nobody can guess may open it.
        if len(key) < FIRST_ADD_MIN_KEY_LENGTH:
            raise idempotency.InvalidIdempotencyKey(
                "A guest's first add needs an Idempotency-Key of at least "
                f"{FIRST_ADD_MIN_KEY_LENGTH} random characters, such as a UUID."
            )
        guarded = first_add
    else:
        guarded = idempotency.IdempotentRequest(
            scope=f"cart-add:{owner[0]}:{owner[1]}", key=key, fingerprint=fingerprint
        )
        if owner[0] == "guest":
            # The key may have created this very cart (the client kept the token the
            # first answer gave it): only the holder of that token may replay it.
            created = first_add.peek()
            if created is not None and created.extra.get("cart_token") == session.guest_token():
                if not created.same_request:
                    raise idempotency.mismatch()
                session.issued_token = session.guest_token()  # the same answer, header too
                return True, created.status, created.body
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
