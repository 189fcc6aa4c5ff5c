"""Cart decisions: what may go in, what a cart shows, and merging at sign-in.

Carts store product ids and quantities only. Names, prices and stock come from the
catalog's product summaries; checkout re-reads prices and stock from the database.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from shop.catalog.summaries import summaries
from shop.core import idempotency, metrics
from shop.core.exceptions import IdempotencyMismatch, InvalidIdempotencyKey

from . import wording
from .backends.base import MergeReport
from .exceptions import CartLimitExceeded, InvalidCartRequest, OwnerRevoked

# A guest's first add has no cart to scope its key to: it shares one scope with every
# client, and its replay hands out a cart token, so only an unguessable key may open it.
FIRST_ADD_SCOPE = "cart-add:new-guest"
FIRST_ADD_MIN_KEY_LENGTH = 32  # a UUID's hex digits


@dataclass(frozen=True)
class CartLine:
    product_id: int
    slug: str
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal
    image_url: str
    stock: int


@dataclass(frozen=True)
class CartView:
    lines: list
    notices: list = field(default_factory=list)

    @property
    def total_quantity(self):
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self):
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


EMPTY = CartView(lines=[])


@dataclass(frozen=True)
class Added(idempotency.Outcome):
    """An add's outcome, recorded with its Idempotency-Key: the cart as it was right
    after the add, and the cart token the add issued (a guest's first add), if any."""

    kind = "cart-added"
    view: CartView
    cart_token: str | None = None

    def to_record(self):
        # What ``asdict(self.view)`` gives, without its recursive deep copy (flat lines).
        view = {"lines": [dict(vars(line)) for line in self.view.lines]}
        return {"view": {**view, "notices": list(self.view.notices)}, "cart_token": self.cart_token}

    @classmethod
    def from_record(cls, data):
        view = data["view"]
        lines = [
            CartLine(
                **{
                    **line,
                    "unit_price": Decimal(line["unit_price"]),
                    "line_total": Decimal(line["line_total"]),
                }
            )
            for line in view["lines"]
        ]
        return cls(CartView(lines=lines, notices=view["notices"]), data["cart_token"])


def cart_view(*, cart) -> CartView:
    """The cart as the shopper sees it: lines of products that can still be bought.

    One read of the cart (one Redis round trip) and, on a warm process, no database
    query. A product deleted or deactivated since it was added is left out with a notice.
    """
    if cart is None:
        return EMPTY
    return _view(cart.lines())


def cart_add(*, cart, product_id, quantity) -> CartView:
    product = _addable(product_id, quantity)
    view = _view(_write(cart.add, product, quantity, cart.max_quantity))
    metrics.cart_operation("add")
    return view


def cart_add_once(*, carts, key, fingerprint, product_id, quantity) -> tuple[Added, bool]:
    """Add to the request's cart once per Idempotency-Key; return ``(Added, replayed)``.

    ``carts`` is the request's cart locator (``request.cart_locator``); a replay hands
    back the token the first add issued. The key is scoped to the cart. A guest's very
    first add (no cart yet) is scoped to the key alone, and only an unguessable key may
    open that scope (``InvalidIdempotencyKey`` otherwise); a retry after a lost response
    so lands in the same new cart, and a retry that already carries its token replays it
    too. An add that raises (``InvalidCartRequest``) is not recorded, so a corrected
    retry with the same key goes through. The runner's errors as ``run_once`` raises.

    Where the cart's Redis is the runner's, a keyed add is two round trips: the cart is
    read with the runner's begin (and the identity's pending denylist check with it),
    and the add records its outcome in the write itself when the cart came out as read
    plus the add (``BaseCart.add_recording``); else the runner completes as usual.
    """
    scope = carts.idempotency_scope()
    first_add = None
    if scope is None:
        if len(key) < FIRST_ADD_MIN_KEY_LENGTH:
            raise InvalidIdempotencyKey(
                "A guest's first add needs an Idempotency-Key of at least "
                f"{FIRST_ADD_MIN_KEY_LENGTH} random characters, such as a UUID."
            )
        scope = FIRST_ADD_SCOPE
    else:
        # The key may have created this very cart (the client kept the token the first
        # answer gave it): only the holder of that token may replay it. Only a guest's
        # cart can be that cart, so nobody else looks; the record is read with begin.
        if scope.startswith("guest:"):
            first_add = idempotency.IdempotentRequest(
                scope=FIRST_ADD_SCOPE, key=key, fingerprint=fingerprint
            )
        scope = f"cart-add:{scope}"
    try:
        added, replayed = _add_once(
            carts, scope, key, fingerprint, product_id, quantity, first_add=first_add
        )
    except _CreatedByThisKey as created:
        added, same_request = created.stored
        if not same_request:
            raise IdempotencyMismatch() from None
        carts.reissue(added.cart_token)  # the same answer, header too
        return added, True
    except OwnerRevoked:
        # The signed-in token was found revoked in the first round trip, before anything
        # was begun: the identity has its answer now (a 401, or the cookies' guest).
        return cart_add_once(
            carts=carts, key=key, fingerprint=fingerprint, product_id=product_id, quantity=quantity
        )
    if replayed:
        carts.reissue(added.cart_token)
    return added, replayed


class _CreatedByThisKey(Exception):
    """The key's first add created the request's guest cart: replay ``stored``."""

    def __init__(self, stored):
        super().__init__()
        self.stored = stored


def _add_once(carts, scope, key, fingerprint, product_id, quantity, *, first_add=None):
    """The keyed add of ``cart_add_once`` through the runner, in as few round trips as
    the cart's backend allows. ``first_add``: the guest's first-add record to look at
    first; raises ``_CreatedByThisKey`` when it created the request's cart."""

    def created_here(stored):
        if stored is not None and carts.holds_guest_token(stored[0].cart_token):
            raise _CreatedByThisKey(stored)

    request = idempotency.IdempotentRequest(scope=scope, key=key, fingerprint=fingerprint)
    current = carts.cart()  # guarded while the identity's check is pending; None: a new guest
    read = {} if current is None else None  # the lines read with begin, when they were
    send_with = None
    if current is not None and current.shares_server(idempotency.REDIS_ALIAS):
        finish = first_add_stored = None

        def queue(pipe):
            nonlocal finish, first_add_stored
            if first_add is not None:
                first_add_stored = first_add.queue_peek(pipe)
            finish = current.queue_lines(pipe)

        def answered(replies):
            nonlocal read
            if first_add is not None:  # its one reply first (the lock is given back)
                created_here(first_add_stored(replies[0]))
                replies = replies[1:]
            read = finish(replies)  # raises OwnerRevoked for a revoked token

        send_with = (queue, answered)
    else:
        if current is not None:
            current.confirm()  # the identity's pending check before any record is read
        if first_add is not None:
            created_here(first_add.peek())

    def add():
        cart = carts.cart(create=True)
        if read is None or not cart.shares_server(idempotency.REDIS_ALIAS):
            view = cart_add(cart=cart, product_id=product_id, quantity=quantity)
            return Added(view=view, cart_token=carts.issued_token)
        product = _addable(product_id, quantity)
        expected = {**read, product_id: read.get(product_id, 0) + quantity}
        predicted = Added(view=_view(expected), cart_token=carts.issued_token)
        try:
            lines, recorded = cart.add_recording(
                product.id,
                quantity,
                limit=min(product.stock, cart.max_quantity),
                expected=expected,
                completion=request.completion(predicted),
            )
        except CartLimitExceeded as exc:
            raise wording.limit_error(exc, product, cart.max_quantity) from exc
        metrics.cart_operation("add")
        if recorded:
            return idempotency.Recorded(predicted)
        return Added(view=_view(lines), cart_token=carts.issued_token)

    return idempotency.run_once_with(request, action=add, send_with=send_with)


def cart_set(*, cart, product_id, quantity) -> CartView:
    """Set a line's quantity; 0 removes the line."""
    if quantity < 0:
        raise InvalidCartRequest("The quantity cannot be negative.", field="quantity")
    if quantity == 0:
        return cart_remove(cart=cart, product_id=product_id)
    product = _buyable(product_id)
    view = _view(_write(cart.set, product, quantity, cart.max_quantity))
    metrics.cart_operation("set")
    return view


def cart_remove(*, cart, product_id) -> CartView:
    if cart is None:
        return EMPTY
    view = _view(cart.remove(product_id))
    metrics.cart_operation("remove")
    return view


def cart_clear(*, cart) -> None:
    if cart is not None:
        cart.clear()
        metrics.cart_operation("clear")


def cart_merge(*, guest, user_cart) -> MergeReport:
    """Move a guest's lines into the user's cart at sign-in, capped by stock and limits.

    The guest cart is deleted in the same atomic step, so a replayed merge changes
    nothing. Products no longer for sale are dropped.
    """
    incoming = guest.lines()
    if not incoming:
        return MergeReport()
    products = summaries(incoming)
    limits = {
        pid: min(p.stock, user_cart.max_quantity) if p is not None and p.is_active else 0
        for pid, p in ((pid, products.get(pid)) for pid in incoming)
    }
    report = user_cart.merge_from(guest, limits=limits)
    metrics.cart_operation("merge")
    return report


def _addable(product_id, quantity):
    if quantity < 1:
        raise InvalidCartRequest("Add at least 1.", field="quantity")
    return _buyable(product_id)


def _buyable(product_id):
    product = summaries([product_id]).get(product_id)
    if product is None or not product.is_active:
        raise InvalidCartRequest("There is no such product for sale.", field="product_id")
    return product


def _write(operation, product, quantity, max_quantity):
    limit = min(product.stock, max_quantity)
    try:
        return operation(product.id, quantity, limit=limit)
    except CartLimitExceeded as exc:
        raise wording.limit_error(exc, product, max_quantity) from exc


def _view(lines) -> CartView:
    products = summaries(lines)
    view_lines, notices = [], []
    for pid, quantity in sorted(lines.items()):
        product = products.get(pid)
        if product is None or not product.is_active:
            notices.append("A product in your cart is no longer for sale and was left out.")
            continue
        if quantity > product.stock:
            notices.append(f"Only {product.stock} of {product.name} left in stock.")
        view_lines.append(
            CartLine(
                product_id=pid,
                slug=product.slug,
                name=product.name,
                unit_price=product.price,
                quantity=quantity,
                line_total=product.price * quantity,
                image_url=product.image_url,
                stock=product.stock,
            )
        )
    return CartView(lines=view_lines, notices=notices)
