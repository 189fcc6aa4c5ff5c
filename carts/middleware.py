from .backends import cart_class


class CartMiddleware:
    """Sets ``request.cart_locator``: the configured backend's locator
    (``BaseCart.locator_class``), which finds the request's cart only when asked, so a
    catalog request never touches Redis. Writes its cookies on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        backend, _ = cart_class()
        locator = backend.locator_class(request)
        request.cart_locator = locator
        response = self.get_response(request)
        locator.update(response)
        return response
