"""Importing a legacy session's cart into the configured cart backend (Redis), once.

The import itself, and its record of "once", live in ``carts.legacy``, which the bridge
cart backend (``carts.backends.bridge``) shares, so that the command and the bridge
agree: whichever finds a session cart first imports it, the other skips it. This module
adds what the command reports: the outcome per session, lines limited by stock, and
prices that changed since the legacy cart stored them.

Signed-in sessions go into the user's cart; guest sessions into the guest cart
``("guest", guest_cart_id(session_key))``, which the bridge computes from the legacy
session cookie alone and hands the shopper a cart token for (``carts.tokens``).
Newer Redis data is never overwritten (see ``carts.legacy``).
"""

from dataclasses import dataclass, field

from carts.legacy import already_imported, guest_cart_id, import_once
from shop.catalog.summaries import summaries

from .legacy.layouts import InvalidCart


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
    imported = import_once(
        session_key=session.key,
        lines=wanted,
        user_id=None if user.is_guest else user.user_id,
        dry_run=dry_run,
    )
    if imported.status == "skipped":
        return Outcome("skipped", imported.reason)
    report = imported.report
    if report is None:
        return outcome  # a dry run, or merged by a run interrupted before marking it done
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


__all__ = ["InvalidCart", "Outcome", "already_imported", "guest_cart_id", "import_session_cart"]
