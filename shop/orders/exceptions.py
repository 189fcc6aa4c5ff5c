"""Domain errors of checkout and orders; they know nothing of HTTP (see shop/api_errors.py)."""

from shop.core.idempotency import Refusal


class EmptyCart(Exception):
    """Checkout of a cart without (buyable) lines."""


class OutOfStock(Refusal):
    """Some lines ask for more than is in stock; nothing was changed.

    ``lines`` is a list of ``{"product_id", "name", "requested", "available"}``. A
    checkout's answer, so it is recorded with its Idempotency-Key and raised again on a
    replay (see ``shop.core.idempotency``).
    """

    kind = "out-of-stock"

    def __init__(self, lines):
        self.lines = lines
        names = ", ".join(f"{line['name']} ({line['available']} left)" for line in lines)
        super().__init__(f"Not enough stock for: {names}.")

    def to_record(self):
        return {"lines": self.lines}


class UnknownPaymentMethod(Exception):
    """No configured payment provider has this name."""


class DuplicateCheckout(Exception):
    """Another request with the same key created its order first (the key's order)."""

    def __init__(self, order):
        super().__init__(order.number)
        self.order = order
