"""Importing a legacy session's cart into the configured cart backend (Redis), once.

Signed-in sessions go into the user's cart; guest sessions into the guest cart
``("guest", guest_cart_id(session_key))``. The bridge's exchange computes the same id
from the legacy session cookie alone and hands the shopper a cart token for it
(``carts.tokens``), so a guest who comes back finds the cart; it should call
``import_session_cart`` itself for a session not yet imported, which is what makes the
command and the exchange agree on "once".

Once per session is recorded in Redis (``MARK_PREFIX`` + a hash of the session key,
alias ``REDIS_ALIAS``) and the steps are ordered so that any of them can be repeated:

1. claim: the mark is created with state ``staging`` only if absent (``HSETNX``);
   another importer that finds it stops.
2. stage: the session's lines are written, with absolute ``set``, into a staging cart
   of its own; a repeat writes the same values.
3. mark ``staged``, then merge: ``carts.services.cart_merge`` moves the staging lines
   into the target with sign-in's rules (capped by stock and ``MAX_QUANTITY``, products
   no longer for sale dropped) and deletes the staging cart in the same atomic step,
   so a repeat after a crash merges nothing twice.
4. mark ``done``.

Newer Redis data is never overwritten: a user's cart is merged into, never replaced;
a guest cart that already has lines (the shopper came back meanwhile) is left as it is
and the session counts as skipped.
"""

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django_redis import get_redis_connection

from carts.backends import open_cart
from carts.backends.base import CartLimitExceeded
from carts.services import cart_merge
from shop.catalog.summaries import summaries

from .legacy.layouts import InvalidCart

GUEST_PREFIX = "legacy-"
MARK_PREFIX = "migration:session-cart:"
REDIS_ALIAS = "carts"


def guest_cart_id(session_key):
    """The guest cart id a legacy session's cart lives under: ``legacy-`` and 32 hex
    digits of the session key's SHA-256 (the key itself, a secret, is never stored)."""
    return GUEST_PREFIX + _digest(session_key)


def already_imported(session_key):
    """Whether the session's cart was imported (or deliberately left alone) before."""
    return _redis().hget(_mark(session_key), "state") == b"done"


@dataclass
class Outcome:
    """``status`` is ``moved``, ``skipped`` or ``failed``; ``reason`` a short phrase that
    summaries count; ``limited`` the products of which less than asked was moved;
    ``price_changes`` ``(product_id, legacy price, current price)``."""

    status: str
    reason: str | None = None
    lines: dict = field(default_factory=dict)
    limited: list = field(default_factory=list)
    price_changes: list = field(default_factory=list)


def import_session_cart(*, session, lines, user, dry_run=False) -> Outcome:
    """Import one session's cart: ``lines`` from the layout (None: no cart), ``user`` a
    ``SessionUser``. With ``dry_run`` nothing is written and the outcome says what
    would happen."""
    if lines is None:
        return Outcome("skipped", "no cart in the session")
    if not lines:
        return Outcome("skipped", "empty cart")
    if user.refused:
        return Outcome("skipped", f"sign-in no longer valid ({user.refused})")
    wanted = {}
    for line in lines:
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
    outcome = Outcome("moved", lines=wanted, price_changes=_price_changes(lines))
    owner = ("guest", guest_cart_id(session.key)) if user.is_guest else ("user", user.user_id)
    mark = _mark(session.key)
    state = _redis().hget(mark, "state")
    if state == b"done":
        return Outcome("skipped", "already migrated")
    if state is None and user.is_guest and open_cart(owner).lines():
        if not dry_run:
            _redis().hset(mark, mapping={"state": "done", "reason": "newer"})
            _redis().expire(mark, _mark_ttl())
        return Outcome("skipped", "a newer Redis cart exists")
    if dry_run:
        return outcome
    if state is None:
        if not _redis().hsetnx(mark, "state", "staging"):
            return Outcome("skipped", "being imported by another process")
        _redis().expire(mark, _mark_ttl())
        state = b"staging"
    staging = open_cart(("guest", f"{guest_cart_id(session.key)}-import"))
    if state == b"staging":
        for pid, quantity in wanted.items():
            try:
                staging.set(pid, quantity, limit=quantity)
            except CartLimitExceeded:
                continue  # more lines than MAX_LINES: the merge reports what was left out
        _redis().hset(mark, "state", "staged")
    report = cart_merge(guest=staging, user_cart=open_cart(owner))
    _redis().hset(mark, "state", "done")
    if not report.asked:
        return outcome  # merged by the run that was interrupted before marking it done
    if not any(report.added.values()):
        return Outcome("skipped", "no line can be bought any more", lines=wanted)
    outcome.limited = sorted(
        set(report.limited) | {pid for pid in wanted if pid not in report.asked}
    )
    return outcome


def _price_changes(lines):
    priced = [line for line in lines if line.unit_price is not None]
    if not priced:
        return []
    current = summaries(line.product_id for line in priced)
    return [
        (line.product_id, line.unit_price, current[line.product_id].price)
        for line in priced
        if line.product_id in current and current[line.product_id].price != line.unit_price
    ]


def _digest(session_key):
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def _mark(session_key):
    return f"{MARK_PREFIX}{_digest(session_key)}"


def _mark_ttl():
    """As long as either the session or any cart made from it can live."""
    options = settings.CARTS["OPTIONS"]
    return max(settings.SESSION_COOKIE_AGE, options["GUEST_TTL"], options["USER_TTL"])


def _redis():
    return get_redis_connection(REDIS_ALIAS)


__all__ = ["InvalidCart", "Outcome", "already_imported", "guest_cart_id", "import_session_cart"]
