"""The browser side of identity: the token pair in two HttpOnly cookies."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import TokenError

from . import services
from .exceptions import IdentityUnavailable, InvalidToken
from .tokens import RefreshToken, jwt_settings

logger = logging.getLogger(__name__)


def set_auth_cookies(response, pair):
    for name, value, lifetime in (
        (settings.AUTH_ACCESS_COOKIE, pair.access, jwt_settings().ACCESS_TOKEN_LIFETIME),
        (settings.AUTH_REFRESH_COOKIE, pair.refresh, jwt_settings().REFRESH_TOKEN_LIFETIME),
    ):
        response.set_cookie(
            name,
            value,
            max_age=int(lifetime.total_seconds()),
            path="/",  # every page may need to rotate the pair, so no narrower path
            secure=settings.AUTH_COOKIE_SECURE,
            httponly=True,
            samesite=settings.AUTH_COOKIE_SAMESITE,
        )
    response.set_cookie(
        settings.AUTH_HINT_COOKIE,
        "1",
        max_age=int(jwt_settings().REFRESH_TOKEN_LIFETIME.total_seconds()),
        path="/",
        secure=settings.AUTH_COOKIE_SECURE,
        samesite=settings.AUTH_COOKIE_SAMESITE,
    )


def delete_auth_cookies(response):
    for name in (settings.AUTH_ACCESS_COOKIE, settings.AUTH_REFRESH_COOKIE):
        response.delete_cookie(name, path="/", samesite=settings.AUTH_COOKIE_SAMESITE)
    response.delete_cookie(settings.AUTH_HINT_COOKIE, path="/", samesite="Lax")


class CookieIdentity:
    """Who a browser request is, read lazily from its cookies.

    Nothing is checked until someone asks (a catalog page that never looks at the user
    touches neither Redis nor the database). When the access cookie has expired and the
    refresh cookie is good, the pair is rotated and the new cookies go out with the
    response, so a shopper stays signed in for the refresh lifetime on any instance.
    """

    def __init__(self, request):
        self.request = request
        self._resolved = False
        self._token = None
        self._new_pair = None
        self._clear = False
        self.unavailable = False  # the cookies could not be checked (Redis down)

    def access_token(self):
        """The valid access token of this request, or None (anonymous)."""
        if not self._resolved:
            self._resolved = True
            self._token = self._resolve()
        return self._token

    def user_id(self):
        """The signed-in user's id, from the access token alone, or None.

        Raises ``IdentityUnavailable`` when the browser has identity cookies that could
        not be checked: its cart or orders must be a 503, not a stranger's empty cart.
        """
        token = self.access_token()
        if token is None and self.unavailable:
            raise IdentityUnavailable()
        return int(token[jwt_settings().USER_ID_CLAIM]) if token is not None else None

    def user(self):
        token = self.access_token()
        if token is None and self.unavailable:
            raise IdentityUnavailable()  # a 503 page, not "please sign in"
        if token is None:
            return AnonymousUser()
        user_id = token[jwt_settings().USER_ID_CLAIM]
        return get_user_model().objects.filter(pk=user_id, is_active=True).first() or (
            AnonymousUser()
        )

    def sign_in_id(self):
        """The sign-in (device) of this browser, from its refresh cookie, or None."""
        raw = self._new_pair.refresh if self._new_pair else self._cookie("refresh")
        try:
            return RefreshToken(raw).sign_in_id if raw else None
        except TokenError:
            return None

    def signed_in(self, pair):
        """This response signs the browser in with ``pair``."""
        self._resolved, self._new_pair, self._clear = True, pair, False
        self._token = None

    def signed_out(self):
        """This response signs the browser out."""
        self._resolved, self._new_pair, self._clear = True, None, True
        self._token = None

    def update(self, response):
        if self._new_pair is not None:
            set_auth_cookies(response, self._new_pair)
        elif self._clear:
            delete_auth_cookies(response)

    def _cookie(self, which):
        name = settings.AUTH_ACCESS_COOKIE if which == "access" else settings.AUTH_REFRESH_COOKIE
        return self.request.COOKIES.get(name)

    def _resolve(self):
        access, refresh = self._cookie("access"), self._cookie("refresh")
        try:
            if access:
                try:
                    return services.access_token_validate(access)
                except InvalidToken:
                    pass  # expired most likely: rotate with the refresh cookie below
            if refresh:
                try:
                    self._new_pair = services.sign_in_refresh(raw_refresh=refresh)
                    return services.access_token_validate(self._new_pair.access)
                except InvalidToken:
                    self._new_pair = None
            if access or refresh:
                self._clear = True  # stale cookies: drop them
        except IdentityUnavailable:
            # Without Redis a revoked token cannot be told apart: the request is not
            # signed in (the catalog still works), pages that need the user answer 503
            # (see user_id), and the cookies are kept for later.
            logger.warning("identity check skipped: Redis unavailable")
            self._new_pair, self._clear, self.unavailable = None, False, True
        return None
