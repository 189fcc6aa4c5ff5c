"""API clients: an ``Authorization: Bearer`` access token, set by DRF authentication."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed

from .. import revocation, services
from ..tokens import jwt_settings
from .base import BaseIdentity


def token_refused():
    """The 401 of a Bearer token that is bad (DRF answers it with the Bearer challenge)."""
    return AuthenticationFailed("The access token is invalid or expired.", code="token_not_valid")


class BearerIdentity(BaseIdentity):
    """The identity of a request that authenticated with an access token.

    ``accounts.authentication.JWTAuthentication`` puts it in place of the identity the
    middleware installed (``displaced``), which still writes its cookies on the
    response. API clients sign in and out through the token API (``/api/v1/auth/``),
    never through this object, so those methods refuse.

    Made with ``checked=False`` (what the authenticator does), the token's signature is
    verified but its denylist lookup is still owed: ``pending_denial`` hands it to the
    cart, and the first question about the user makes it otherwise. A denied token
    raises ``AuthenticationFailed`` (a 401, as when the authenticator refused it) at
    every question, and the request is anonymous for what reads ``request.user`` after
    the view (the request log).
    """

    carried_by_cookie = False  # a header: another site cannot make the browser send it

    def __init__(self, request, token, *, displaced, checked=True):
        super().__init__(request)
        self.token = token
        self.displaced = displaced
        self._checked = checked
        self._denied = False

    @property
    def user_id(self):
        if not self._checked:
            self.settle_denial(revocation.is_denied(self.token[jwt_settings().JTI_CLAIM]))
        if self._denied:
            raise token_refused()
        return int(self.token[jwt_settings().USER_ID_CLAIM])

    def get_user(self):
        users = get_user_model().objects.filter(pk=self.user_id, is_active=True)
        return users.first() or AnonymousUser()

    @property
    def sign_in_id(self):
        return None  # access tokens do not carry their sign-in

    def sign_in(self, user):
        raise NotImplementedError("API clients sign in with POST /api/v1/auth/token/.")

    def sign_out(self):
        raise NotImplementedError("API clients sign out with POST /api/v1/auth/logout/.")

    def password_changed(self, user):
        raise NotImplementedError("Passwords are changed on the account page.")

    def update(self, response):
        self.displaced.update(response)  # e.g. a pair it rotated before DRF ran

    def pending_denial(self):
        return None if self._checked else services.access_token_denial(self.token)

    def settle_denial(self, denied):
        self._checked, self._denied = True, denied
        if denied:
            self.request.user = AnonymousUser()
