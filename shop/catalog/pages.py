"""The catalog listing, rendered once per process per catalog version and query; the
product page's product, looked up once per process per catalog version.

The listing is the same bytes for every visitor (``cacheable`` in templates/base.html),
so each process keeps the pages it rendered in ``caches["catalog_pages"]``, a
per-process LocMemCache bounded by its ``MAX_ENTRIES`` (the least recently used third
is dropped when it is full). A page is keyed by the catalog version (summaries.py: a
counter in Redis, re-read at most every ``CATALOG_VERSION_SECONDS``) and the query as
the page shows it: the search as typed (the header's search box repeats it), the
cleaned category and sort, and the page number as ``Paginator.get_page`` resolves it,
so ``page=0``, ``page=999`` and the last page are one entry. Resolving the number needs
the number of matching products, kept beside the pages under the same version.

Entries also expire after the alias's ``TIMEOUT`` (``CATALOG_CACHE_SECONDS``): writes
that do not bump the version (checkout's stock decrement, a save while Redis is down)
are on the listing within that time.

The ETag is a hash of the page's bytes, taken once when the page is stored, never per
request. A hash rather than the version: a version repeats after Redis loses its data,
and the same version renders other bytes after a deploy or a checkout, and a 304 for
either would keep a stale page in the visitor's cache.

A product page is private (its add-to-cart form carries the visitor's CSRF token), so
only what is the same for everyone is kept: the product (``product_detail``) and the
page's markup around the form (``{% cache %}`` fragments in
templates/catalog/product_detail.html, on the same alias, keyed by the same version),
within the same bounds. A missing slug is not kept: anyone can send any number of them.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpResponse
from django.utils.http import quote_etag

from . import selectors
from .models import Product
from .summaries import catalog_version

CACHE_ALIAS = "catalog_pages"
PAGE_PREFIX = "page"
COUNT_PREFIX = "count"
PRODUCT_PREFIX = "product"


@dataclass(frozen=True)
class CachedPage:
    """A rendered listing: its body, its ``Content-Type`` and its (quoted) ETag."""

    content: bytes
    content_type: str
    etag: str

    @classmethod
    def of(cls, response: HttpResponse) -> "CachedPage":
        digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
        return cls(response.content, response["Content-Type"], quote_etag(digest))

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, content_type=self.content_type)
        response["ETag"] = self.etag
        return response


# render(page_number) -> (the rendered 200 response, its Paginator's Page).
Renderer = Callable[[str | None], tuple[HttpResponse, Page]]


def listing_page(*, typed_search: str, filters: dict, page: str | None, render: Renderer):
    """The listing for ``filters`` (the form's cleaned search, category and sort) and the
    raw ``page`` parameter, as a ``CachedPage``; rendered by ``render`` only when this
    process has no copy for the current catalog version.

    ``typed_search`` is the search parameter exactly as sent, which the header repeats.
    """
    cache, version = caches[CACHE_ALIAS], catalog_version()
    count_key = _key(COUNT_PREFIX, version, filters["search"], filters["category"])
    count = cache.get(count_key)
    if count is not None:
        key = _page_key(version, typed_search, filters, _page_number(count, page))
        cached = cache.get(key)
        if cached is not None:
            return cached
    response, rendered = render(page)
    cached = CachedPage.of(response)
    # Under the number the render resolved (the count may have moved since it was kept).
    cache.set_many(
        {
            count_key: rendered.paginator.count,
            _page_key(version, typed_search, filters, rendered.number): cached,
        }
    )
    return cached


def product_detail(slug: str) -> tuple[Product, int]:
    """``(product, catalog version)``: the active product with ``slug``, from this
    process's copy for the current catalog version; raises ``Product.DoesNotExist``.

    The version keys the page's cached fragments too, so that they change with it.
    """
    cache, version = caches[CACHE_ALIAS], catalog_version()
    key = _key(PRODUCT_PREFIX, version, slug)
    product = cache.get(key)
    if product is None:
        product = selectors.product_get(slug=slug)
        cache.set(key, product)
    return product, version


def _page_number(count, page):
    """The page ``Paginator.get_page(page)`` shows for ``count`` products, without a query."""
    paginator = Paginator(range(count), selectors.PAGE_SIZE)
    try:
        return paginator.validate_number(page)
    except PageNotAnInteger:
        return 1
    except EmptyPage:
        return paginator.num_pages


def _page_key(version, typed_search, filters, number):
    return _key(PAGE_PREFIX, version, typed_search, filters["category"], filters["sort"], number)


def _key(prefix, version, *parts):
    # Hashed: a search is up to 200 characters of anything, not a valid cache key.
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"{prefix}:{version}:{digest}"
