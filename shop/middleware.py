import os
import socket

from django.shortcuts import render

from accounts.exceptions import IdentityUnavailable
from carts.exceptions import CartUnavailable

from .api_errors import json_error


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
        if not isinstance(exception, IdentityUnavailable | CartUnavailable):
            return None
        if request.path.startswith("/api/"):
            return json_error(str(exception), "service_unavailable", 503)
        response = render(request, "errors/503.html", {"message": str(exception)}, status=503)
        response["Retry-After"] = "5"
        return response
