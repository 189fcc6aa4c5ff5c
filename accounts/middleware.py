from asgiref.sync import sync_to_async
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.utils.functional import SimpleLazyObject

from .cookies import CookieIdentity


class JWTCookieMiddleware(AuthenticationMiddleware):
    """``request.user`` from the JWT cookies instead of a server-side session.

    Takes the place of Django's ``AuthenticationMiddleware`` (which it subclasses, so the
    admin's system checks accept it). The user is loaded lazily: requests that never look
    at it cost nothing. Rotated or cleared cookies are written to the response.
    """

    def process_request(self, request):
        identity = CookieIdentity(request)
        request.auth_cookies = identity
        request.user = SimpleLazyObject(identity.user)

        async def auser():
            return await sync_to_async(identity.user)()

        request.auser = auser

    def process_response(self, request, response):
        identity = getattr(request, "auth_cookies", None)
        if identity is not None:
            identity.update(response)
        return response
