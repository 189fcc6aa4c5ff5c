import uuid

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from carts.forms import AddToCartForm

from . import selectors
from .forms import CatalogQueryForm
from .models import Product

PAGE_SIZE = 24


def product_list(request):
    """The catalog: search, category filter, sort and pagination from the query string.

    An invalid query (a 10 kB search, a malformed slug) answers 400 with the form's
    message and an empty list; a page number out of range shows the nearest page.
    """
    query = CatalogQueryForm(request.GET)
    valid = query.is_valid()
    products = selectors.product_list(**query.cleaned_data) if valid else Product.objects.none()
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "page": page,
        "categories": selectors.category_list(),
        "current_category": query.cleaned_data.get("category", "") if valid else "",
    }
    return render(request, "catalog/product_list.html", context, status=200 if valid else 400)


def product_detail(request, slug):
    try:
        product = selectors.product_get(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    form = AddToCartForm(initial={"product_id": product.pk, "idempotency_key": uuid.uuid4().hex})
    return render(request, "catalog/product_detail.html", {"product": product, "form": form})
