"""DRF authentication by JWT: a Bearer header, or the browser's access cookie."""

from functools import cached_property

from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework_simplejwt.models import TokenUser as SimpleTokenUser

from . import services
from .exceptions import IdentityUnavailable, InvalidToken


class TokenUser(SimpleTokenUser):
    """The user a valid access token names, without a database query.

    Tokens of deactivated or deleted users are revoked when that happens (see
    ``User.save`` and ``accounts.signals``), so trusting the token here is safe.
    """

    @cached_property
    def id(self):
        return int(super().id)

    @cached_property
    def pk(self):
        return self.id


class JWTAuthentication(BaseAuthentication):
    """``Authorization: Bearer <access>``, else the access cookie (then CSRF applies).

    Returns None when the request carries neither ("not my credential"); raises
    ``AuthenticationFailed`` for a Bearer token that is bad. A bad cookie is treated as
    no cookie: the middleware tries to rotate it and clears it otherwise.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if header and header[0].lower() == self.keyword:
            if len(header) != 2:
                raise exceptions.AuthenticationFailed("Malformed Authorization header.")
            try:
                token = services.access_token_validate(header[1].decode("latin-1"))
            except InvalidToken as exc:
                raise exceptions.AuthenticationFailed(
                    "The access token is invalid or expired.", code="token_not_valid"
                ) from exc
            return self._authenticated(request, token)
        if header:
            return None  # another scheme: not ours
        identity = getattr(request._request, "auth_cookies", None)
        token = identity.access_token() if identity is not None else None
        if token is None:
            if identity is not None and identity.unavailable:
                raise IdentityUnavailable()  # cookies we cannot check: 503, not 401
            return None
        # Cookies ride along on cross-site requests; a cookie-authenticated write must
        # prove it comes from our pages. DRF's own check, reused.
        SessionAuthentication().enforce_csrf(request)
        return self._authenticated(request, token)

    @staticmethod
    def _authenticated(request, token):
        user = TokenUser(token)
        # For code below DRF (the cart's owner) that must not load the user row.
        request._request.authenticated_user_id = user.id
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
