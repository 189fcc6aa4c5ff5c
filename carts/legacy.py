"""A legacy session's cart into the configured cart backend (Redis), once per session.

Two callers share this, so that they agree on "once": the bridge cart backend
(``carts.backends.bridge``), which imports a session cart it finds on the shopper's
next request, and ``manage.py migrate_session_carts`` (``shop.migration.carts``), which
imports every live session's. Whichever comes first imports; the other skips.

Signed-in sessions go into the user's cart; guest sessions into the guest cart
``("guest", guest_cart_id(session_key))``, which the bridge computes from the legacy
session cookie alone and hands the shopper a cart token for (``carts.tokens``).

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
import json
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection

from .backends import open_cart
from .backends.base import MergeReport
from .exceptions import CartLimitExceeded
from .services import cart_merge

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


def imported_lines(session_key):
    """The session cart's lines as the import found them (``{product_id: quantity}``),
    or None when none are recorded. The bridge's common ancestor for what a legacy
    instance wrote into that session cart after the import."""
    recorded = _redis().hget(_mark(session_key), "lines")
    if recorded is None:
        return None
    return {int(pid): int(quantity) for pid, quantity in json.loads(recorded).items()}


@dataclass(frozen=True)
class Imported:
    """What ``import_once`` did: ``status`` ``moved`` or ``skipped`` (with ``reason``),
    and the merge's report when this call merged (None otherwise: a dry run, a skip,
    or a repeat of an import that had merged before it was interrupted)."""

    status: str
    reason: str | None = None
    report: MergeReport | None = None


def import_once(*, session_key, lines, user_id=None, dry_run=False) -> Imported:
    """Import ``lines`` (``{product_id: quantity}``, not empty) of one session into the
    cart of ``user_id``, or of the session's guest cart when None. With ``dry_run``
    nothing is written and the result says what would happen."""
    owner = ("user", user_id) if user_id is not None else ("guest", guest_cart_id(session_key))
    mark = _mark(session_key)
    state = _redis().hget(mark, "state")
    if state == b"done":
        return Imported("skipped", "already migrated")
    if state is None and user_id is None and open_cart(owner).lines():
        if not dry_run:
            _redis().hset(mark, mapping={"state": "done", "reason": "newer", "lines": _json(lines)})
            _redis().expire(mark, _mark_ttl())
        return Imported("skipped", "a newer Redis cart exists")
    if dry_run:
        return Imported("moved")
    if state is None:
        if not _redis().hsetnx(mark, "state", "staging"):
            return Imported("skipped", "being imported by another process")
        _redis().hset(mark, "lines", _json(lines))
        _redis().expire(mark, _mark_ttl())
        state = b"staging"
    staging = open_cart(("guest", f"{guest_cart_id(session_key)}-import"))
    if state == b"staging":
        for pid, quantity in lines.items():
            try:
                staging.set(pid, quantity, limit=quantity)
            except CartLimitExceeded:
                continue  # more lines than MAX_LINES: the merge reports what was left out
        _redis().hset(mark, "state", "staged")
    report = cart_merge(guest=staging, user_cart=open_cart(owner))
    _redis().hset(mark, "state", "done")
    return Imported("moved", report=report if report.asked else None)


def _json(lines):
    return json.dumps({str(pid): quantity for pid, quantity in lines.items()}, sort_keys=True)


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
