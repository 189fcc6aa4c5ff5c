from django.conf import settings


def cart_count(request):
    """The header's cart count, from a display cookie, so pages never read Redis for it."""
    raw = request.COOKIES.get(settings.CART_COUNT_COOKIE, "")
    return {"cart_count": int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0}
