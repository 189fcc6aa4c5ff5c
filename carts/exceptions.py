"""Domain errors of the cart; shop/api_errors.py and the page middleware map them."""


class CartUnavailable(Exception):
    """The cart store (Redis) did not answer."""

    def __init__(self, message="The cart is unavailable for a moment. Please try again shortly."):
        super().__init__(message)


class InvalidCartRequest(Exception):
    """Input that cannot be applied; the cart is unchanged.

    ``field`` names the offending input, ``available`` (when set) is how many units of
    the product can be in the cart.
    """

    def __init__(self, message, *, field="non_field_errors", code="invalid", available=None):
        super().__init__(message)
        self.field = field
        self.code = code
        self.available = available


class CartLimitExceeded(Exception):
    """A backend write that would break a limit; nothing was changed.

    ``reason`` is ``"quantity"`` (the line would exceed ``limit``) or ``"lines"`` (a new
    line beyond ``max_lines``); ``current`` is the line's quantity before the write.
    Raised by backends (see ``carts.backends.base``); services turn it into an
    ``InvalidCartRequest`` that says why.
    """

    def __init__(self, reason, current):
        super().__init__(reason)
        self.reason = reason
        self.current = current


class OwnerRevoked(Exception):
    """A guarded cart command found its check's key: the token that claimed the cart's
    owner is revoked, and nothing was read or written (``BaseCart.guard``). The cart
    locator handles it; it never reaches a view."""
