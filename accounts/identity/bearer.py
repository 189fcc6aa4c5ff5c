"""API clients: an ``Authorization: Bearer`` access token, set by DRF authentication."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from ..tokens import jwt_settings
from .base import BaseIdentity


class BearerIdentity(BaseIdentity):
    """The identity of a request that authenticated with a verified access token.

    ``accounts.authentication.JWTAuthentication`` puts it in place of the identity the
    middleware installed (``displaced``), which still writes its cookies on the
    response. API clients sign in and out through the token API (``/api/v1/auth/``),
    never through this object, so those methods refuse.
    """

    carried_by_cookie = False  # a header: another site cannot make the browser send it

    def __init__(self, request, token, *, displaced):
        super().__init__(request)
        self.token = token
        self.displaced = displaced

    @property
    def user_id(self):
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
