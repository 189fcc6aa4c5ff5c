"""Checkout and order status changes.

Checkout is all or nothing in one database transaction: prices are re-read from the
database (never from a cache or the cart); the order row is written first, so that a
duplicate with the same Idempotency-Key waits on its unique index; stock is decremented
with conditional updates (``stock >= quantity``) in ascending product id order, so that
concurrent checkouts queue on the same rows in the same order and cannot deadlock; then
the lines and totals are written. What was bought leaves the cart, and the e-mail goes
out, only after commit.
"""

from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from shop.catalog.models import Product
from shop.catalog.summaries import bump_catalog_version
from shop.core import idempotency, metrics
from shop.core.exceptions import IdempotencyInProgress, IdempotencyMismatch, IdempotencyUnavailable

from . import emails, payments
from .exceptions import DuplicateCheckout, EmptyCart, OutOfStock
from .models import Order, OrderLine

TAKEN_PREFIX = "checkout:taken:"  # + order id: its lines have left the cart


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""


@dataclass(frozen=True)
class Placed(idempotency.Outcome):
    """Checkout placed order ``order_id`` (the outcome recorded with its key)."""

    kind = "order-placed"
    order_id: int


def checkout_once(
    *, user_id: int, cart, address: ShippingAddress, key: str, payment_method: str = ""
) -> tuple[Placed, bool]:
    """Check the cart out once per (user, Idempotency-Key); return ``(Placed, replayed)``.

    Redis holds the in-flight lock and the recorded outcome (the runner); the unique
    constraint on (user, key) is the truth when Redis has lost its records, so a replay
    still finds the order, and a concurrent duplicate that slipped past the lock fails
    on the constraint and finds it too. ``OutOfStock`` is a recorded answer: raised, and
    raised again on a replay. Refusals before anything ran (``EmptyCart``,
    ``UnknownPaymentMethod``) are not recorded, so a corrected retry with the same key
    goes through; ``IdempotencyMismatch`` and ``IdempotencyInProgress`` as the runner
    raises them. The API and the checkout page both come through here.
    """
    fingerprint = idempotency.fingerprint("checkout", asdict(address), payment_method)

    def place():
        existing = Order.objects.filter(user_id=user_id, idempotency_key=key).first()
        if existing is None:
            try:
                order = checkout(
                    user_id=user_id,
                    cart=cart,
                    address=address,
                    idempotency_key=key,
                    fingerprint=fingerprint,
                    payment_method=payment_method,
                )
            except DuplicateCheckout as duplicate:
                existing = duplicate.order
            else:
                return Placed(order_id=order.pk)
        placed = _placed_by(existing, fingerprint)
        # The key's order exists but its answer was never recorded: the worker that
        # placed it may have died before its cart was taken.
        _take_bought_once(cart, existing.pk, _bought(existing))
        return idempotency.Replayed(placed)

    try:
        placed, replayed = idempotency.run_once(
            scope=f"checkout:user:{user_id}", key=key, fingerprint=fingerprint, action=place
        )
    except OutOfStock:
        metrics.checkout_outcome("out_of_stock")
        raise
    except (IdempotencyInProgress, IdempotencyMismatch):
        metrics.checkout_outcome("conflict")
        raise
    metrics.checkout_outcome("replayed" if replayed else "created")
    return placed, replayed


def _bought(order):
    return {line.product_id: line.quantity for line in order.lines.all() if line.product_id}


def _take_bought_once(cart, order_id, lines):
    """What order ``order_id`` bought leaves ``cart``, once per order.

    Called after the order's commit, and again by a retry of its key that finds the order
    but no recorded answer (the worker that placed it was killed between the commit and
    the take). A marker per order in Redis, set first and kept as long as idempotency
    records, keeps the second call from taking lines the shopper added since.
    """
    if cart is None or not lines:
        return
    try:
        first = get_redis_connection(idempotency.REDIS_ALIAS).set(
            f"{TAKEN_PREFIX}{order_id}", 1, nx=True, ex=settings.IDEMPOTENCY_TTL_SECONDS
        )
    except RedisError as exc:
        raise IdempotencyUnavailable() from exc
    if first:
        cart.take(lines)


def _placed_by(order, fingerprint):
    """The key's order, if it was placed by the same request (else a mismatch)."""
    if order.request_fingerprint != fingerprint:
        raise IdempotencyMismatch()
    return Placed(order_id=order.pk)


def checkout(
    *,
    user_id: int,
    cart,
    address: ShippingAddress,
    idempotency_key: str,
    fingerprint: str,
    payment_method: str = "",
) -> Order:
    """Turn the cart into an order, or change nothing.

    Raises ``EmptyCart``, ``OutOfStock`` (naming each short line), ``UnknownPaymentMethod``
    or ``DuplicateCheckout`` (this user's key already has an order).
    """
    provider = payments.provider(payment_method)
    lines = cart.lines() if cart is not None else {}
    if not lines:
        raise EmptyCart("Your cart is empty.")
    try:
        with transaction.atomic():
            order = _place(user_id, lines, address, idempotency_key, fingerprint, provider)
    except IntegrityError:
        existing = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        raise DuplicateCheckout(existing) from None
    # Only what was bought leaves the cart: a line added in another tab meanwhile stays.
    # The product summaries are not invalidated for stock: they are hints, and checkout
    # re-reads the database; bumping on every order would empty every process's cache.
    transaction.on_commit(lambda: _take_bought_once(cart, order.pk, lines), robust=True)
    transaction.on_commit(lambda: emails.send_order_confirmation(order.pk), robust=True)
    return order


def _place(user_id, lines, address, idempotency_key, fingerprint, provider):
    # The order row first: a duplicate request with the same key now waits on the unique
    # index until this transaction ends, and then fails on it (never on the stock).
    order = Order.objects.create(
        user_id=user_id,
        ship_name=address.name,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_city=address.city,
        ship_postal_code=address.postal_code,
        ship_country=address.country,
        subtotal=Decimal("0.00"),
        total=Decimal("0.00"),
        payment_method=provider.name,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    products = Product.objects.in_bulk(sorted(lines))
    short = []
    for product_id in sorted(lines):
        quantity = lines[product_id]
        product = products.get(product_id)
        taken = (
            product is not None
            and product.is_active
            and Product.objects.filter(pk=product_id, is_active=True, stock__gte=quantity).update(
                stock=F("stock") - quantity
            )
        )
        if not taken:
            short.append((product_id, product, quantity))
    if short:
        raise OutOfStock([_short_line(pid, product, qty) for pid, product, qty in short])
    order_lines = [
        OrderLine(
            product_id=pid,
            product_name=products[pid].name,
            unit_price=products[pid].price,
            quantity=qty,
            line_total=products[pid].price * qty,
        )
        for pid, qty in sorted(lines.items())
    ]
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    order.subtotal = sum((line.line_total for line in order_lines), Decimal("0.00"))
    order.total = order.subtotal  # shipping and taxes are free in this shop
    order.status = provider.pay(order)
    order.save(update_fields=["subtotal", "total", "status", "updated_at"])
    return order


def _short_line(product_id, product, quantity):
    if product is None or not product.is_active:
        return {
            "product_id": product_id,
            "name": "A product no longer for sale",
            "requested": quantity,
            "available": 0,
        }
    available = Product.objects.filter(pk=product_id).values_list("stock", flat=True).first()
    return {
        "product_id": product_id,
        "name": product.name,
        "requested": quantity,
        "available": available or 0,
    }


# Which statuses each status may move to; cancelling puts the stock back.
TRANSITIONS = {
    Order.Status.PAID: {Order.Status.PLACED},
    Order.Status.SHIPPED: {Order.Status.PLACED, Order.Status.PAID},
    Order.Status.CANCELLED: {Order.Status.PLACED, Order.Status.PAID},
}


def order_set_status(*, order_id: int, status: str) -> bool:
    """Move an order to ``status`` if its current status allows it; True if it moved.

    The move is one conditional UPDATE, so two staff members clicking "cancel" at the
    same moment cancel once, and the stock comes back once.
    """
    with transaction.atomic():
        moved = Order.objects.filter(pk=order_id, status__in=TRANSITIONS[status]).update(
            status=status, updated_at=timezone.now()
        )
        if not moved:
            return False
        if status == Order.Status.CANCELLED:
            for product_id, quantity in OrderLine.objects.filter(
                order_id=order_id, product__isnull=False
            ).values_list("product_id", "quantity"):
                Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)
            transaction.on_commit(bump_catalog_version, robust=True)
    return True
