import functools

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.cache import cache_control

from . import pages, selectors
from .forms import CatalogQueryForm
from .models import Product

SORT_LABELS = [
    ("name", "Name"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("newest", "Newest"),
]


def product_list(request):
    """The catalog: search, category filter, sort and pagination from the query string.

    An invalid query (a 10 kB search, a malformed slug) answers 400 with the form's
    message and an empty list, rendered for this request and private; a page number out
    of range shows the nearest page. A valid query is the same page for every visitor
    (see templates/base.html): it comes from this process's copy for the current catalog
    version (``pages``), public for ``CATALOG_PAGE_MAX_AGE``, and a matching
    ``If-None-Match`` is a 304 before anything is rendered or queried.
    """
    if request.GET:
        query = CatalogQueryForm(request.GET)
        if not query.is_valid():
            response, _ = _render_list(request, query, request.GET.get("page"))
            return response
        filters = query.cleaned_data
    else:  # the front page, which most visitors see first: no form to build
        query, filters = None, _front_page_filters()
    page = pages.listing_page(
        # What the header's search box shows: ``request.GET.search`` (the last value).
        typed_search=request.GET.get("search") or "",
        filters=filters,
        page=request.GET.get("page"),
        render=lambda number: _render_list(request, query or CatalogQueryForm(request.GET), number),
    )
    response = page.response()
    # The same page for every visitor, so a CDN may keep it briefly and revalidate it.
    patch_cache_control(response, public=True, max_age=settings.CATALOG_PAGE_MAX_AGE)
    # Django's conditional GET: 304 (with this response's Cache-Control and ETag) or None.
    return get_conditional_response(request, etag=page.etag, response=response) or response


def _front_page_filters():
    """What the form makes of an empty query string (valid: every field is optional),
    worked out once per process; a copy, as a form's ``cleaned_data`` is."""
    return dict(_empty_query_filters())


@functools.cache
def _empty_query_filters():
    query = CatalogQueryForm({})
    query.is_valid()
    return query.cleaned_data


def _render_list(request, query, number):
    """``(response, page)``: the listing rendered for ``query`` (200, or 400 if invalid)."""
    valid = query.is_valid()
    products = selectors.product_list(**query.cleaned_data) if valid else Product.objects.none()
    page = Paginator(products, selectors.PAGE_SIZE).get_page(number)
    context = {
        "query": query,
        "sort_choices": SORT_LABELS,
        "page": page,
        "categories": selectors.category_list(),
        "current_category": query.cleaned_data.get("category", "") if valid else "",
        # Nothing for this visitor on the page (templates/base.html): it may be shared.
        "cacheable": valid,
    }
    response = render(request, "catalog/product_list.html", context, status=200 if valid else 400)
    return response, page


@cache_control(private=True, no_cache=True)
def product_detail(request, slug):
    """The product page; private, as its add-to-cart form (the cart's
    ``{% add_to_cart_form %}``) carries a CSRF token. The product and the markup around
    the form come from this process's copy for the current catalog version (``pages``)."""
    try:
        product, version = pages.product_detail(slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    context = {
        "product": product,
        "catalog_version": version,
        "fragment_seconds": settings.CATALOG_CACHE_SECONDS,
        "fragment_cache": pages.CACHE_ALIAS,
    }
    return render(request, "catalog/product_detail.html", context)
