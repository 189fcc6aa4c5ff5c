import os
import socket

from django.shortcuts import render

from .api_errors import OUTAGE_RETRY_AFTER, json_error, outage, public_message
from .core.http import is_api_request


class ServedByMiddleware:
    """Adds ``X-Served-By: <hostname>:<pid>`` to every response.

    Anyone can then see that consecutive requests of one shopper land on different
    workers and instances, which is the whole claim of this project.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.pid = self.served_by = None

    def __call__(self, request):
        response = self.get_response(request)
        # Built again in each process: gunicorn forks workers after this middleware may
        # be built, and os.getpid() is cheaper than asking for the host name every time.
        pid = os.getpid()
        if pid != self.pid:
            self.pid, self.served_by = pid, f"{socket.gethostname()}:{pid}"
        response["X-Served-By"] = self.served_by
        return response


class DomainErrorMiddleware:
    """Turns a dependency outage raised in a page view into a friendly 503 page.

    API views map the same exceptions in ``shop.api_errors``; this is the page side. The
    page and the JSON say what ``public_message`` allows (never a database's own text).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        code = outage(exception)
        if code is None:
            return None
        message = public_message(exception)
        if is_api_request(request):
            response = json_error(message, code, 503)
        else:
            response = render(request, "errors/503.html", {"message": message}, status=503)
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response


class PrivateByDefaultMiddleware:
    """Responses that do not say how to cache them are private and revalidated.

    Only the catalog listing is meant for shared caches and says so itself; every other
    page and API answer may carry a cart, an order or a CSRF token.
    """

    # What ``patch_cache_control(response, private=True, no_cache=True)`` writes on a
    # response without the header, without parsing one first.
    CACHE_CONTROL = "private, no-cache"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = self.CACHE_CONTROL
        return response
