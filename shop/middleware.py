import os
import socket


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
