"""The cart storage contract, which every cart backend implements.

A cart maps product ids to quantities; it never stores prices or names (those come from
the catalog). One backend instance is one cart for one request, the way a
``SessionStore`` is one session. Limits are checked by the backend in the same step as
the write, so concurrent writers can never push a cart past them.
"""

from dataclasses import dataclass, field

from ..exceptions import CartLimitExceeded, OwnerRevoked
from ..locators import CartLocator

__all__ = ["BaseCart", "CartLimitExceeded", "MergeReport", "OwnerRevoked"]


@dataclass
class MergeReport:
    """What a merge did: per product, the quantity asked for and the quantity added."""

    asked: dict = field(default_factory=dict)
    added: dict = field(default_factory=dict)

    @property
    def limited(self):
        """Products of which less than asked was added (stock, line cap or line count)."""
        return [pid for pid, qty in self.asked.items() if self.added.get(pid, 0) < qty]


class BaseCart:
    """One cart. ``owner`` is ``("user", id)`` or ``("guest", id)``.

    Options come from ``CARTS["OPTIONS"]``: ``MAX_LINES``, ``MAX_QUANTITY``,
    ``GUEST_TTL`` and ``USER_TTL`` (seconds of inactivity before a cart expires).
    """

    # How a request finds its cart in this backend (``request.cart_locator``): by its
    # owner, the signed-in user or the guest token. A backend whose carts live in
    # something the request already carries (the session) names its own locator.
    locator_class = CartLocator

    def __init__(self, owner, *, request=None, **options):
        self.owner = owner
        self.request = request
        self.max_lines = options["MAX_LINES"]
        self.max_quantity = options["MAX_QUANTITY"]
        self.ttl = options["USER_TTL"] if owner[0] == "user" else options["GUEST_TTL"]

    # --- The methods a backend must implement ---------------------------------------

    def lines(self) -> dict[int, int]:
        """``{product_id: quantity}`` as stored now."""
        raise NotImplementedError

    def add(self, product_id: int, quantity: int, *, limit: int) -> dict[int, int]:
        """Add ``quantity`` to a line, atomically; return the cart's lines afterwards.

        Raises ``CartLimitExceeded`` if the line would exceed ``limit`` (the caller's
        ``min(stock, max_quantity)``) or a new line would exceed ``max_lines``.
        Refreshes the cart's expiry.
        """
        raise NotImplementedError

    def set(self, product_id: int, quantity: int, *, limit: int) -> dict[int, int]:
        """Set a line's quantity (0 removes it); limits and expiry as for ``add``."""
        raise NotImplementedError

    def remove(self, product_id: int) -> dict[int, int]:
        """Remove a line (absent is fine); return the lines afterwards."""
        raise NotImplementedError

    def clear(self) -> None:
        """Delete the cart."""
        raise NotImplementedError

    def take(self, lines: dict[int, int]) -> None:
        """Subtract ``lines`` (what an order bought) from the cart, atomically.

        Lines reach 0 and go; anything added meanwhile (another tab) stays.
        """
        raise NotImplementedError

    def merge_from(self, other: "BaseCart", *, limits: dict[int, int]) -> MergeReport:
        """Add ``other``'s lines to this cart, capped by ``limits``, then delete ``other``.

        ``limits`` maps product ids to the most the line may hold (0 drops the product);
        a product missing from it (added to ``other`` after the caller looked) is capped
        at ``max_quantity`` only, and checkout checks its stock. Atomic where the backend
        can be. Merging an empty or missing cart is a no-op, so a replayed merge changes
        nothing.
        """
        raise NotImplementedError

    # --- Optional: commands of another Redis alias sent with the cart's ----------------
    # A backend that cannot (the default) answers False to ``guard`` and
    # ``shares_server``; callers then send their own commands themselves.

    def guard(self, *, alias: str, key: str, answered) -> bool:
        """Make the next command (a read or a write) carry a check, in the same round
        trip: whether ``key`` exists in the Redis of cache alias ``alias`` (the request's
        access token on the denylist, see ``CartLocator.cart``).

        ``answered(exists)`` gets the answer before anything read is used. If the key
        exists, nothing is written, what was read is dropped, and ``OwnerRevoked`` is
        raised. A command that cannot carry it makes the check first, on its own.
        Returns False, and arms nothing, when this backend cannot do it.
        """
        return False

    def shares_server(self, alias: str) -> bool:
        """Whether the Redis of cache alias ``alias`` is this cart's own, so that its
        commands may travel with the cart's (``queue_lines``, ``add_recording``)."""
        return False

    def queue_lines(self, pipe):
        """Queue this cart's read (and a guard's check) on ``pipe``, a pipeline of an
        alias that ``shares_server``; returns ``lines(replies)``, which takes the replies
        of what was queued and gives the lines (or raises ``OwnerRevoked``)."""
        raise NotImplementedError

    def add_recording(self, product_id, quantity, *, limit, expected, completion):
        """``add``, and in the same step record a keyed add's outcome
        (``shop.core.idempotency.Completion``, of an alias that ``shares_server``) if the
        lines came out as ``expected``; returns ``(lines, recorded)``. Not recorded, the
        lock stays with the caller, who completes with the real lines."""
        raise NotImplementedError
