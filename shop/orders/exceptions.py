"""Domain errors of checkout and orders; they know nothing of HTTP."""


class EmptyCart(Exception):
    """Checkout of a cart without (buyable) lines."""


class OutOfStock(Exception):
    """Some lines ask for more than is in stock; nothing was changed.

    ``lines`` is a list of ``{"product_id", "name", "requested", "available"}``.
    """

    def __init__(self, lines):
        self.lines = lines
        names = ", ".join(f"{line['name']} ({line['available']} left)" for line in lines)
        super().__init__(f"Not enough stock for: {names}.")


class UnknownPaymentMethod(Exception):
    """No configured payment provider has this name."""
