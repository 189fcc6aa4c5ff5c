import os
import socket

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from .api_errors import OUTAGE_CODES, json_error
from .core.http import is_api_request


class ServedByMiddleware:
    """Adds ``X-Served-By: <hostname>:<pid>`` to every response.

    Anyone can then see that consecutive requests of one shopper land on different
    workers and instances, which is the whole claim of this project.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Read per request: gunicorn forks workers after this middleware may be built.
        response["X-Served-By"] = f"{socket.gethostname()}:{os.getpid()}"
        return response


class DomainErrorMiddleware:
    """Turns a dependency outage raised in a page view into a friendly 503 page.

    API views map the same exceptions in ``shop.api_errors``; this is the page side.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        code = next(
            (code for kind, code in OUTAGE_CODES.items() if isinstance(exception, kind)), None
        )
        if code is None:
            return None
        if is_api_request(request):
            return json_error(str(exception), code, 503)
        response = render(request, "errors/503.html", {"message": str(exception)}, status=503)
        response["Retry-After"] = "5"
        return response


class PrivateByDefaultMiddleware:
    """Responses that do not say how to cache them are private and revalidated.

    Only the catalog listing is meant for shared caches and says so itself; every other
    page and API answer may carry a cart, an order or a CSRF token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response
