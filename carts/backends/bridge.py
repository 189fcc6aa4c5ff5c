"""The bridge release's cart: Redis first, mirrored into the legacy session cart.

Named by ``shop.settings.bridge``, which runs beside legacy instances (and may be rolled
back to them). The Redis cart is the cart, with every guarantee of ``RedisCart``; the
session cart (``OPTIONS["MIRROR"]``, the class a legacy instance keeps carts with,
``carts.backends.session.SessionCart`` here) is a copy kept for legacy instances:

- Every write goes to Redis and then into the mirror, so a legacy instance, reading the
  same session, sees the same lines. API clients (a Bearer token, an ``X-Cart-Token``
  header) have no session and no mirror: no legacy instance serves them.
- Next to the mirror the session holds its stamp (``STAMP_KEY``): a random id, the cart
  it mirrors (``"user:7"``) and the lines written. The mirror and its stamp are saved
  together, in one session save, so they always agree unless another release wrote.

When the two disagree, before anything is read or written:

- A session cart without a stamp was written by a legacy instance alone: it is
  imported once (``carts.legacy.import_once``, shared with ``migrate_session_carts``),
  merged with sign-in's rules into the user's cart, or a guest's
  (``guest_cart_id(session_key)``, for which the locator hands out a cart token).
- A session cart that differs from its stamp was changed by a legacy instance since the
  bridge's last write. The stamp is the common ancestor of a three-way merge: the
  legacy instance's changes (session cart minus stamp, line by line) are applied to the
  Redis cart, added lines capped by stock and ``MAX_QUANTITY`` as at sign-in, removed
  ones taken out, and lines the Redis cart gained meanwhile (another device) kept. Once
  per change: a guard key in Redis, named after the stamp id and the session cart,
  lets one request apply it however many read that session at once.
- A stamp of a guest cart while the shopper is now signed in (they signed in on a legacy
  instance, which kept the session's cart as Django does): that guest cart is merged
  into the user's, as a sign-in here would have. A stamp of another user is left
  behind (the mirror is overwritten).

Then the mirror is rewritten from Redis whenever it differs (a read included: the
Redis cart may have changed through another device).
"""

import hashlib
import json
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured

from shop.catalog.summaries import summaries

from .. import tokens
from ..legacy import already_imported, guest_cart_id, import_once, imported_lines
from ..locators import CartLocator
from ..services import cart_merge
from . import cart_class, named_class
from .base import CartLimitExceeded
from .redis import RedisCart

STAMP_KEY = "_bridge_cart"
GUARD_PREFIX = "bridge:cart-sync:"

# KEYS[1] cart, KEYS[2] guard; ARGV: guard ttl, max lines, ttl, then product id / change /
# limit triples. Applies the changes once per guard: 1 if applied, 0 if already.
APPLY = """
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local key, max_lines, ttl = KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local lines = redis.call('HLEN', key)
for i = 4, #ARGV, 3 do
  local pid, change, limit = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local current = tonumber(redis.call('HGET', key, pid) or '0')
  local new = math.max(current + change, 0)
  if change > 0 then
    new = math.max(math.min(new, limit), current)
    if current == 0 and lines >= max_lines then new = 0 end
  end
  if new > 0 and new ~= current then
    redis.call('HSET', key, pid, new)
    if current == 0 then lines = lines + 1 end
  elseif new == 0 and current > 0 then
    redis.call('HDEL', key, pid)
    lines = lines - 1
  end
end
if redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, ttl) end
return 1
"""


class BridgeCartLocator(CartLocator):
    """Carts keyed by their owner, as ``CartLocator``, and a legacy guest's cart.

    A guest without a (valid) cart token whose legacy session holds a cart (a legacy
    instance put it there) owns the guest cart ``guest_cart_id(session_key)``: the one
    ``migrate_session_carts`` imports it into, and the bridge cart does on first sight.
    This response hands out a token for it, so the guest keeps it whatever happens to
    the session key.
    """

    def owner(self, *, create=False):
        owner = super().owner()
        if owner is None and (legacy_id := self._legacy_guest_id()) is not None:
            self.issued_token = signing.Signer(salt=tokens.SALT).sign(legacy_id)
            return ("guest", legacy_id)
        return owner if owner is not None else super().owner(create=create)

    def mirror_session(self):
        """The session this request's cart is mirrored into, or None when the cart is not
        the cookies' (a Bearer token, an ``X-Cart-Token`` header, no cookie at all): an
        API client, which no legacy instance serves."""
        return self.request.session if self.carried_by_cookie() else None

    def _legacy_guest_id(self):
        if settings.SESSION_COOKIE_NAME not in self.request.COOKIES:
            return None  # no session: nothing to read, and no query to read it
        session = self.request.session
        if not session.session_key or STAMP_KEY in session:
            return None  # no such session, or one the bridge already keeps a cart for
        _, options = cart_class()
        lines = _session_lines(session, options)
        return guest_cart_id(session.session_key) if lines else None


class BridgeCart(RedisCart):
    """A ``RedisCart`` whose writes are mirrored into the session's legacy cart.

    ``session`` is the session to mirror into; by default the request's, as the
    locator's ``mirror_session()`` says. Without one (no request, an API client) it is
    exactly a ``RedisCart``.
    """

    locator_class = BridgeCartLocator

    def __init__(self, owner, *, request=None, session=None, **options):
        super().__init__(owner, request=request, **options)
        if not options.get("MIRROR"):
            raise ImproperlyConfigured(
                "CARTS OPTIONS must name the legacy session cart to mirror into, e.g. "
                '"MIRROR": "carts.backends.session.SessionCart".'
            )
        self.options = options
        if session is None and request is not None:
            session = request.cart_locator.mirror_session()
        self.session = session
        self.label = f"{owner[0]}:{owner[1]}"
        self._synced = False

    def lines(self):
        self._sync()
        return self._mirrored(super().lines())

    def add(self, product_id, quantity, *, limit):
        self._sync()
        return self._mirrored(super().add(product_id, quantity, limit=limit))

    def set(self, product_id, quantity, *, limit):
        self._sync()
        return self._mirrored(super().set(product_id, quantity, limit=limit))

    def remove(self, product_id):
        self._sync()
        return self._mirrored(super().remove(product_id))

    def clear(self):
        self._sync()
        super().clear()
        self._mirrored({})

    def take(self, lines):
        self._sync()
        super().take(lines)
        if self.session is not None:
            self._mirrored(super().lines())

    def merge_from(self, other, *, limits):
        self._sync()
        report = super().merge_from(other, limits=limits)
        if self.session is not None:
            self._mirrored(super().lines())
        return report

    def shares_server(self, alias):
        # With a session to mirror, every command has steps of its own around it (the
        # sync before, the mirror after): nothing of another alias rides along then.
        return self.session is None and super().shares_server(alias)

    # --- The mirror ----------------------------------------------------------------------

    def _sync(self):
        """Bring into Redis what a legacy instance wrote into the session cart since."""
        if self.session is None or self._synced:
            return
        self._synced = True
        session_lines = _session_lines(self.session, self.options)
        stamp = _stamp(self.session)
        if session_lines is None:
            return  # unreadable: overwritten from Redis
        if stamp is None:
            if session_lines and self.session.session_key:
                self._import(session_lines)
            return
        stamp_id, owner, stamped = stamp
        if owner != self.label:
            if not owner.startswith("guest:"):
                return  # another user's mirror: overwritten below, never merged
            guest = RedisCart(("guest", owner.partition(":")[2]), **self.options)
            cart_merge(guest=guest, user_cart=RedisCart(self.owner, **self.options))
        changes = _changes(session_lines, stamped)
        if changes:
            self._apply(changes, stamp_id, session_lines)

    def _import(self, session_lines):
        key = self.session.session_key
        if already_imported(key):
            # By migrate_session_carts, which writes no stamp: the lines it imported are
            # the common ancestor of what a legacy instance wrote into the session since.
            imported = imported_lines(key)
            changes = _changes(session_lines, imported) if imported is not None else {}
            if changes:
                self._apply(changes, f"import:{guest_cart_id(key)}", session_lines)
            return
        user_id = self.owner[1] if self.owner[0] == "user" else None
        import_once(session_key=key, lines=session_lines, user_id=user_id)
        if user_id is None and self.owner != ("guest", guest_cart_id(key)):
            # A guest whose token names another cart: the legacy one joins it.
            legacy = RedisCart(("guest", guest_cart_id(key)), **self.options)
            cart_merge(guest=legacy, user_cart=RedisCart(self.owner, **self.options))

    def _apply(self, changes, stamp_id, session_lines):
        products = summaries([pid for pid, change in changes.items() if change > 0])
        guard = hashlib.sha256(
            f"{self.key}:{stamp_id}:{json.dumps(sorted(session_lines.items()))}".encode()
        ).hexdigest()[:32]
        args = [max(settings.SESSION_COOKIE_AGE, self.ttl), self.max_lines, self.ttl]
        for pid, change in changes.items():
            product = products.get(pid)
            buyable = product is not None and product.is_active
            args += [pid, change, min(product.stock, self.max_quantity) if buyable else 0]
        self._run(APPLY, [self.key, f"{GUARD_PREFIX}{guard}"], args)

    def _mirrored(self, lines):
        """Rewrite the mirror and its stamp as ``lines`` unless they say so already."""
        if self.session is None:
            return lines
        stamp = _stamp(self.session)
        session_lines = _session_lines(self.session, self.options)
        if stamp is None and not lines and not session_lines:
            return lines  # nothing anywhere: no session is created for it
        if stamp is not None and stamp[1:] == (self.label, lines) and session_lines == lines:
            return lines
        mirror = _mirror_cart(self.session, self.options)
        mirror.clear()
        for pid, quantity in lines.items():
            try:
                mirror.set(pid, quantity, limit=quantity)
            except CartLimitExceeded:
                break  # MAX_LINES lowered since: the mirror keeps what fits
        self.session[STAMP_KEY] = {
            "id": secrets.token_hex(8),
            "owner": self.label,
            "lines": {str(pid): quantity for pid, quantity in lines.items()},
        }
        return lines


def _mirror_cart(session, options):
    """The legacy session cart (``options["MIRROR"]``) kept in ``session``."""
    mirror = named_class(options["MIRROR"], "OPTIONS['MIRROR']")
    return mirror(("session", session.session_key or ""), session=session, **options)


def _session_lines(session, options):
    """The session cart's lines, or None when the mirror class cannot read it: nothing
    is learnt from such a cart, and it is overwritten from Redis."""
    try:
        lines = _mirror_cart(session, options).lines()
    except (AttributeError, TypeError, ValueError):
        return None
    if not all(isinstance(qty, int) and qty > 0 for qty in lines.values()):
        return None
    return lines


def _changes(session_lines, ancestor):
    """``{product_id: quantity difference}`` of the session cart against ``ancestor``."""
    return {
        pid: session_lines.get(pid, 0) - ancestor.get(pid, 0)
        for pid in session_lines.keys() | ancestor.keys()
        if session_lines.get(pid, 0) != ancestor.get(pid, 0)
    }


def _stamp(session):
    """``(id, owner, lines)`` of the mirror's stamp, or None (none, or unreadable)."""
    stamp = session.get(STAMP_KEY)
    try:
        lines = {int(pid): int(qty) for pid, qty in stamp["lines"].items()}
        return str(stamp["id"]), str(stamp["owner"]), lines
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
