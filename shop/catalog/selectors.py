"""Reads of the catalog; the storefront pages and the API list products through here."""

from django.db.models import Q, QuerySet

from .models import Category, Product

PAGE_SIZE = 24  # products per catalog page, in the storefront and the API alike
SORT_ORDERS = {
    "name": ("name", "id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "newest": ("-created_at", "-id"),
}


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("name")


def product_list(*, search: str = "", category: str = "", sort: str = "name") -> QuerySet[Product]:
    """Active products matching ``search`` (name or description) in category ``category``.

    An unknown category slug matches nothing rather than failing: it is a filter, not a
    lookup. ``sort`` is one of ``SORT_ORDERS``.
    """
    products = Product.objects.filter(is_active=True).select_related("category")
    if search:
        products = products.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if category:
        products = products.filter(category__slug=category)
    return products.order_by(*SORT_ORDERS[sort])


def product_get(*, slug: str) -> Product:
    """The active product with ``slug``; raises ``Product.DoesNotExist`` otherwise."""
    return Product.objects.select_related("category").get(slug=slug, is_active=True)
