"""The identity middleware: which one a profile installs chooses how sign-ins are carried.

Each subclass of ``IdentityMiddleware`` names one implementation of
``accounts.identity.base.BaseIdentity``; it sets ``request.identity`` and a lazy
``request.user`` from it, and lets the identity write its cookies on the response. They
take the place of Django's ``AuthenticationMiddleware`` (which they subclass, so the
admin's system checks accept them).
"""

from asgiref.sync import sync_to_async
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.utils.functional import SimpleLazyObject

from .identity.bridge import BridgeIdentity
from .identity.cookies import JWTCookieIdentity
from .identity.session import SessionIdentity


class IdentityMiddleware(AuthenticationMiddleware):
    """Sets ``request.identity`` (an ``identity_class``) and ``request.user`` from it.

    The user is loaded lazily: requests that never look at it cost nothing. Whatever
    identity the request ends with (DRF may have put a Bearer one in place) writes its
    changes on the response.
    """

    identity_class = None  # set by subclasses

    def process_request(self, request):
        identity = self.identity_class(request)
        request.identity = identity
        request.user = SimpleLazyObject(identity.get_user)

        async def auser():
            return await sync_to_async(identity.get_user)()

        request.auser = auser

    def process_response(self, request, response):
        request.identity.update(response)
        return response


class JWTCookieMiddleware(IdentityMiddleware):
    """The stateless profile: JWT cookies, no server-side session (see ``JWTCookieIdentity``)."""

    identity_class = JWTCookieIdentity


class SessionIdentityMiddleware(IdentityMiddleware):
    """The legacy profile: Django's session login (needs ``SessionMiddleware`` before it)."""

    identity_class = SessionIdentity


class BridgeIdentityMiddleware(IdentityMiddleware):
    """The bridge profile: JWT cookies, else the legacy session exchanged for them (see
    ``BridgeIdentity``; needs ``SessionMiddleware`` before it)."""

    identity_class = BridgeIdentity
