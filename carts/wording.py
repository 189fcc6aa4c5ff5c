"""What the cart says to shoppers: why a write was refused, what a merge did.

Pure functions of their arguments (no store, no database), tested on their own.
"""

from .backends.base import MergeReport
from .exceptions import InvalidCartRequest


def limit_error(exc, product, max_quantity) -> InvalidCartRequest:
    """Why a write that broke a limit was refused (``exc``: the backend's
    ``CartLimitExceeded``; ``product``: its ``ProductSummary``), as the shopper reads it:
    a full cart, the stock left (and what the cart holds already), or the per-line cap.
    ``available`` says how many may be had."""
    if exc.reason == "lines":
        return InvalidCartRequest(
            "Your cart is full: remove a product before adding another.",
            code="too_many_lines",
        )
    if product.stock <= max_quantity:
        if product.stock == 0:
            message = f"{product.name} is out of stock."
        else:
            message = f"Only {product.stock} of {product.name} in stock" + (
                f" and {exc.current} already in your cart." if exc.current else "."
            )
        return InvalidCartRequest(
            message, field="quantity", code="insufficient_stock", available=product.stock
        )
    return InvalidCartRequest(
        f"At most {max_quantity} of one product per order.",
        field="quantity",
        code="quantity_limit",
        available=max_quantity,
    )


def merge_message(report: MergeReport) -> str | None:
    """A sentence for the shopper, e.g. "2 items from your visit were added; 1 was
    limited to the stock left.", or None when there was nothing to merge."""
    if not report.asked:
        return None
    added = sum(1 for qty in report.added.values() if qty > 0)
    limited = len(report.limited)
    sentence = f"{_items(added)} from your visit {'was' if added == 1 else 'were'} added"
    if limited:
        sentence += f"; {limited} {'was' if limited == 1 else 'were'} limited to the stock left"
    return sentence + "."


def _items(count):
    return f"{count} item{'' if count == 1 else 's'}"
