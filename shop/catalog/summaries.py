"""Product summaries for carts: hot, non-user data cached in each process.

A summary (name, slug, price, stock, image URL, active) is what a cart needs to show a
line. They are read from a per-process cache (``caches["catalog"]``) keyed by the
catalog version, a counter in Redis bumped whenever a product is saved or deleted. A
process re-reads the version at most every ``CATALOG_VERSION_SECONDS``, so a warm cart
view costs no database query and, most of the time, no Redis round trip of its own.
Prices shown from here are never charged: checkout re-reads them from the database.
The same version keys the rendered catalog pages (pages.py).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import caches
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from .models import Product

VERSION_KEY = "catalog:version"
REDIS_ALIAS = "default"


@dataclass(frozen=True)
class ProductSummary:
    id: int
    slug: str
    name: str
    price: Decimal
    stock: int
    image_url: str
    is_active: bool


def summaries(product_ids) -> dict[int, ProductSummary]:
    """Summaries of the products that exist among ``product_ids`` (deleted ones are absent)."""
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        return {}
    cache, version = caches["catalog"], catalog_version()
    keys = {f"summary:{version}:{pid}": pid for pid in ids}
    found = {keys[key]: value for key, value in cache.get_many(list(keys)).items()}
    missing = [pid for pid in ids if pid not in found]
    if missing:
        fresh = {p.pk: _summary(p) for p in Product.objects.filter(pk__in=missing)}
        # Deleted products are cached as None, so they cost no query either.
        cache.set_many({f"summary:{version}:{pid}": fresh.get(pid) for pid in missing})
        found.update(fresh)
    return {pid: summary for pid, summary in found.items() if summary is not None}


def catalog_version() -> int:
    """The catalog version, re-read from Redis at most every CATALOG_VERSION_SECONDS."""
    cache = caches["catalog"]
    cached = cache.get("version")
    if cached is not None:
        return cached
    try:
        version = int(get_redis_connection(REDIS_ALIAS).get(VERSION_KEY) or 0)
    except RedisError:
        # Summaries are only hints (checkout re-reads the database): without Redis, keep
        # using the last version this process knew and look again shortly.
        version = cache.get("version:last", 0)
    cache.set("version", version, timeout=settings.CATALOG_VERSION_SECONDS)
    cache.set("version:last", version, timeout=None)
    return version


def bump_catalog_version() -> None:
    """Invalidate every process's summaries and catalog pages; called whenever products
    or categories change."""
    get_redis_connection(REDIS_ALIAS).incr(VERSION_KEY)
    caches["catalog"].delete("version")  # this process sees the change at once


def _summary(product):
    return ProductSummary(
        id=product.pk,
        slug=product.slug,
        name=product.name,
        price=product.price,
        stock=product.stock,
        image_url=product.thumbnail_url,
        is_active=product.is_active,
    )
