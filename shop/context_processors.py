from django.conf import settings


def storefront(request):
    """Names the page script needs; the same for every visitor (safe in cached pages)."""
    return {
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "cart_count_cookie": settings.CART_COUNT_COOKIE,
        "auth_hint_cookie": settings.AUTH_HINT_COOKIE,
        "cart_max_quantity": settings.CARTS["OPTIONS"]["MAX_QUANTITY"],
    }
