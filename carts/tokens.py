"""Guest cart tokens: an opaque random id, signed with a purpose salt.

The signature only proves we issued the id; the cart itself lives in Redis. A token
that does not verify means "no cart", never an error.
"""

import secrets

from django.core import signing

SALT = "carts.guest-token"


def issue() -> tuple[str, str]:
    """A new guest cart id and its token."""
    cart_id = secrets.token_urlsafe(16)
    return cart_id, signing.Signer(salt=SALT).sign(cart_id)


def read(token: str | None) -> str | None:
    """The cart id in ``token``, or None for a missing, malformed or tampered token."""
    if not token or len(token) > 200:
        return None
    try:
        return signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
