"""The stateless identity: the JWT pair in two HttpOnly cookies, checked lazily.

Nothing is checked until someone asks (a catalog page that never looks at the user
touches neither Redis nor the database). When the access cookie has expired and the
refresh cookie is good, the pair is rotated and the new cookies go out with the
response, so a shopper stays signed in for the refresh lifetime on any instance.

A signature-valid access cookie's denylist lookup may be handed to the cart
(``pending_denial``), which sends it with its own command: a warm cart page costs one
Redis round trip. A denied access cookie is then treated as it always was: the refresh
cookie is tried, else the request is anonymous and the cookies are dropped.
"""

import logging
from contextlib import suppress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_out
from django.middleware.csrf import rotate_token
from rest_framework_simplejwt.exceptions import TokenError

from .. import services
from ..exceptions import IdentityUnavailable, InvalidToken
from ..tokens import AccessToken, RefreshToken, jwt_settings
from .base import BaseIdentity

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


class JWTCookieIdentity(BaseIdentity):
    """Who a browser request is, from its ``AUTH_ACCESS_COOKIE`` and ``AUTH_REFRESH_COOKIE``."""

    carried_by_cookie = True

    def __init__(self, request):
        super().__init__(request)
        self._resolved = False
        self._token = None  # the valid access token of this request, once resolved
        self._new_pair = None  # a pair this response hands out (sign-in or rotation)
        self._clear = False  # this response deletes the cookies
        self._unchecked = None  # the access cookie verified, its denylist check handed out
        self._denied = False  # the access cookie was found denied by whoever checked it
        self.unavailable = False  # the cookies could not be checked (Redis down)

    # --- The interface ---------------------------------------------------------------

    @property
    def user_id(self):
        token = self.access_token()
        if token is None and self.unavailable:
            raise IdentityUnavailable()
        return int(token[jwt_settings().USER_ID_CLAIM]) if token is not None else None

    def get_user(self):
        user_id = self.user_id  # a 503 page when unavailable, not "please sign in"
        if user_id is None:
            return AnonymousUser()
        return get_user_model().objects.filter(pk=user_id, is_active=True).first() or (
            AnonymousUser()
        )

    @property
    def sign_in_id(self):
        """From the refresh token: the one this response hands out, else the cookie's."""
        raw = self._new_pair.refresh if self._new_pair else self._cookie("refresh")
        try:
            return RefreshToken(raw).sign_in_id if raw else None
        except TokenError:
            return None

    def sign_in(self, user):
        self.adopt(services.sign_in_start(request=self.request, user=user))  # announces
        self.request.user = user
        rotate_token(self.request)  # a new CSRF secret for the new identity

    def sign_out(self):
        refresh = self._cookie("refresh")
        if refresh:
            # Already ended or expired: signing out is what the user wants anyway.
            with suppress(InvalidToken):
                services.sign_out(raw_refresh=refresh)
        user = self.request.user if self.request.user.is_authenticated else None
        self._resolved, self._token, self._new_pair, self._clear = True, None, None, True
        self._unchecked = None
        self.request.user = AnonymousUser()
        # As Django's logout() does: the carts app resets the header's count on it.
        user_logged_out.send(sender=type(user), request=self.request, user=user)

    def password_changed(self, user):
        user_agent = self.request.META.get("HTTP_USER_AGENT", "")
        self.adopt(services.sign_in_create(user=user, user_agent=user_agent))
        rotate_token(self.request)

    def update(self, response):
        if self._new_pair is not None:
            set_auth_cookies(response, self._new_pair)
        elif self._clear:
            delete_auth_cookies(response)

    def pending_denial(self):
        """The access cookie's denylist check, while nothing has resolved this identity
        and the cookie's signature and expiry are good (else None: an expired cookie is
        rotated by ``user_id``, which needs the database anyway)."""
        if self._resolved:
            return None
        if self._unchecked is None:
            access = self._cookie("access")
            if not access:
                return None
            try:
                self._unchecked = services.access_token_verify(access)
            except InvalidToken:
                return None
        return services.access_token_denial(self._unchecked)

    def settle_denial(self, denied):
        token, self._unchecked = self._unchecked, None
        self._resolved = True
        if denied:
            self._denied = True
            self._token = self._resolve()  # the refresh cookie, else anonymous
        else:
            self._token = token

    # --- JWT specifics -----------------------------------------------------------------

    def adopt(self, pair):
        """This response signs the browser in with ``pair`` (a ``TokenPair`` just issued),
        and the rest of the request sees its user. Announces nothing."""
        self._resolved, self._new_pair, self._clear = True, pair, False
        # Minted in this request: not verified again (with a short lifetime on a slow
        # machine it could already be past its expiry; this request still acts on it).
        self._token, self._unchecked = AccessToken(pair.access, verify=False), None

    def access_token(self):
        """The valid access token of this request, or None (anonymous)."""
        if not self._resolved:
            self._resolved = True
            self._token = self._resolve()
        return self._token

    def _cookie(self, which):
        name = settings.AUTH_ACCESS_COOKIE if which == "access" else settings.AUTH_REFRESH_COOKIE
        return self.request.COOKIES.get(name)

    def _resolve(self):
        access, refresh = self._cookie("access"), self._cookie("refresh")
        try:
            if access and not self._denied:
                try:
                    return services.access_token_validate(access)
                except InvalidToken:
                    pass  # expired most likely: rotate with the refresh cookie below
            if refresh:
                try:
                    self._new_pair = services.sign_in_refresh(raw_refresh=refresh)
                    # Issued (or, in the grace window, checked) by sign_in_refresh: this
                    # request acts on it even if a short lifetime has run out meanwhile.
                    return AccessToken(self._new_pair.access, verify=False)
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
