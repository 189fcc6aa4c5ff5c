"""Cart layouts: how a legacy shop kept carts in (or behind) its sessions.

A layout turns one decoded session into cart lines. Three come with the project, and an
engineer's own is a subclass with one method::

    class MyCartLayout(CartLayout):
        def lines(self, session):
            cart = session.data.get("basket")
            if cart is None:
                return None                       # this session has no cart
            return [LegacyLine(product_id=int(pid), quantity=qty) for pid, qty in cart]

named in ``LEGACY_SESSIONS["CART_LAYOUT"] = {"BACKEND": "myshop.migration.MyCartLayout",
"OPTIONS": {...}}`` (the options arrive as keyword arguments). Raise ``InvalidCart`` with
a reason for a cart that is there but cannot be read; the command counts it as failed
and goes on. ``prepare(sessions)`` may load what a whole batch needs in one query.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import connections

from carts.backends import session as session_cart


class InvalidCart(Exception):
    """A session's cart is there but cannot be read; the message says why."""


@dataclass(frozen=True)
class LegacyLine:
    """One cart line. ``unit_price`` is what the legacy cart stored (None if it did not
    store prices): our carts never store prices, so a changed one is reported."""

    product_id: int
    quantity: int
    unit_price: Decimal | None = None


class CartLayout:
    """Base class of the layouts; ``lines()`` is the one method to implement."""

    def __init__(self, **options):
        self.options = options

    def prepare(self, sessions) -> None:
        """Called with each batch of decoded sessions before ``lines()``; optional."""

    def lines(self, session) -> list[LegacyLine] | None:
        """The cart lines of ``session`` (a ``LegacySession`` with ``data``), or None when
        it holds no cart. Raises ``InvalidCart``."""
        raise NotImplementedError


class ShopCartLayout(CartLayout):
    """This project's session cart (carts/backends/session.py): ``{"<id>": quantity}``
    under the session cart backend's session key."""

    def lines(self, session):
        cart = session.data.get(self.options.get("SESSION_KEY", session_cart.SESSION_KEY))
        if cart is None:
            return None
        if not isinstance(cart, dict):
            raise InvalidCart(f"the cart is a {type(cart).__name__}, not a dict")
        return [line(pid, quantity) for pid, quantity in cart.items()]


class ByExampleCartLayout(CartLayout):
    """The "Django by Example" cart: ``{"cart": {"<id>": {"quantity": n, "price": "x.yz"}}}``.

    Option ``SESSION_KEY`` (the book's ``CART_SESSION_ID``, default ``"cart"``).
    """

    def lines(self, session):
        cart = session.data.get(self.options.get("SESSION_KEY", "cart"))
        if cart is None:
            return None
        if not isinstance(cart, dict):
            raise InvalidCart(f"the cart is a {type(cart).__name__}, not a dict")
        lines = []
        for pid, item in cart.items():
            if not isinstance(item, dict) or "quantity" not in item:
                raise InvalidCart(f"line {pid!r} has no quantity")
            lines.append(line(pid, item["quantity"], item.get("price")))
        return lines


class DjangoCartLayout(CartLayout):
    """django-cart: a cart id in the session (``"CART-ID"``), the lines in its tables.

    Options: ``SESSION_KEY`` (``"CART-ID"``), ``DATABASE`` (``"default"``), ``CART_TABLE``
    (``"cart_cart"``), ``ITEM_TABLE`` (``"cart_item"``), ``PRODUCT_MODEL`` (the
    ``app_label.model`` of the products its items point at, default ``"catalog.product"``).
    Checked-out carts are not carts any more. Read with SQL: django-cart need not be
    installed. A batch's carts are read in one query.
    """

    def prepare(self, sessions):
        key = self.options.get("SESSION_KEY", "CART-ID")
        ids = {s.data[key] for s in sessions if s.data is not None and key in s.data}
        self.carts = self._load({i for i in ids if isinstance(i, int) or str(i).isdigit()})

    def lines(self, session):
        cart_id = session.data.get(self.options.get("SESSION_KEY", "CART-ID"))
        if cart_id is None:
            return None
        try:
            return self.carts.get(int(cart_id))
        except (TypeError, ValueError):
            raise InvalidCart(f"the cart id {cart_id!r} is not a number") from None

    def _load(self, cart_ids):
        if not cart_ids:
            return {}
        connection = connections[self.options.get("DATABASE", "default")]
        quote = connection.ops.quote_name
        carts = quote(self.options.get("CART_TABLE", "cart_cart"))
        items = quote(self.options.get("ITEM_TABLE", "cart_item"))
        app_label, model = self.options.get("PRODUCT_MODEL", "catalog.product").split(".")
        placeholders = ", ".join(["%s"] * len(cart_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, i.object_id, i.quantity, i.unit_price FROM {carts} c "  # noqa: S608
                f"LEFT JOIN {items} i ON i.cart_id = c.id AND i.content_type_id = "
                "(SELECT id FROM django_content_type WHERE app_label = %s AND model = %s) "
                f"WHERE c.checked_out = %s AND c.id IN ({placeholders})",
                [app_label, model, False, *sorted(int(i) for i in cart_ids)],
            )
            found = {}
            for cart_id, object_id, quantity, price in cursor.fetchall():
                lines = found.setdefault(cart_id, [])
                if object_id is not None:
                    lines.append(line(object_id, quantity, price))
        return found


def line(product_id, quantity, price=None):
    """A validated ``LegacyLine``; raises ``InvalidCart`` for ids, quantities or prices
    that are not what a cart can hold."""
    try:
        pid, qty = int(product_id), int(quantity)
    except (TypeError, ValueError):
        raise InvalidCart(f"line {product_id!r}: {quantity!r} is not a quantity") from None
    if pid <= 0 or qty <= 0 or isinstance(quantity, bool):
        raise InvalidCart(f"line {product_id!r}: {quantity!r} is not a positive quantity")
    if price is None:
        return LegacyLine(pid, qty)
    try:
        return LegacyLine(pid, qty, Decimal(str(price)))
    except InvalidOperation:
        raise InvalidCart(f"line {product_id!r}: price {price!r} is not a number") from None
