from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control

from . import selectors
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
    message and an empty list; a page number out of range shows the nearest page.
    """
    query = CatalogQueryForm(request.GET)
    valid = query.is_valid()
    products = selectors.product_list(**query.cleaned_data) if valid else Product.objects.none()
    page = Paginator(products, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "sort_choices": SORT_LABELS,
        "page": page,
        "categories": selectors.category_list(),
        "current_category": query.cleaned_data.get("category", "") if valid else "",
    }
    response = render(
        request,
        "catalog/product_list.html",
        {**context, "cacheable": valid},
        status=200 if valid else 400,
    )
    if valid:
        # The same page for every visitor (see templates/base.html), so a CDN may keep it
        # briefly; ConditionalGetMiddleware adds the ETag that revalidates it.
        patch_cache_control(response, public=True, max_age=settings.CATALOG_PAGE_MAX_AGE)
    return response


@cache_control(private=True, no_cache=True)
def product_detail(request, slug):
    """The product page; private, as its add-to-cart form (the cart's
    ``{% add_to_cart_form %}``) carries a CSRF token."""
    try:
        product = selectors.product_get(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    return render(request, "catalog/product_detail.html", {"product": product})
