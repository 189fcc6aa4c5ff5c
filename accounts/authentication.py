"""DRF authentication: a Bearer header, else the identity the middleware installed.

Both feed ``request.identity`` (``accounts.identity``), so code below DRF (the cart,
checkout) asks one interface whichever credential the request carried.
"""

from django.utils.functional import SimpleLazyObject
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)

from . import services
from .exceptions import InvalidToken
from .identity.bearer import BearerIdentity, token_refused


class RequestUser:
    """The user an identity names, by id alone: no database query.

    Enough for permissions (``is_authenticated``) and for selecting the user's rows
    (``id``). Tokens of deactivated or deleted users are revoked when that happens (see
    ``accounts.signals``), so trusting a valid token's id is safe; views that need the
    user's fields load the row (see ``MeApi``).
    """

    is_active = True
    is_authenticated = True
    is_anonymous = False

    def __init__(self, user_id):
        self.id = self.pk = user_id

    def __str__(self):
        return f"user {self.id}"


class JWTAuthentication(BaseAuthentication):
    """``Authorization: Bearer <access>``: API clients.

    Returns None without a Bearer header ("not my credential"); raises
    ``AuthenticationFailed`` for a Bearer token that is bad. A good one becomes the
    request's identity (``BearerIdentity``) for the rest of the request.

    Only the signature and expiry are checked here (CPU). The denylist lookup is left
    to the identity, which hands it to the cart (one Redis round trip for a cart view)
    or makes it at the first question about the user: the user this returns is lazy,
    so a permission check or ``request.user.id`` asks, and a revoked token is still a
    401 before anything acts as its user.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            token = services.access_token_verify(header[1].decode("latin-1"))
        except InvalidToken as exc:
            raise token_refused() from exc
        django_request = request._request
        identity = BearerIdentity(
            django_request, token, displaced=django_request.identity, checked=False
        )
        django_request.identity = identity
        return SimpleLazyObject(lambda: RequestUser(identity.user_id)), token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class IdentityAuthentication(BaseAuthentication):
    """The identity the profile's middleware installed: JWT cookies, a session, ...

    Returns None for an anonymous request, and for one with an ``Authorization`` header
    (its own credential, read by the class for that scheme or refused: cookies never
    stand in for it). When the identity rides on a cookie, the request must also prove
    it comes from our pages: DRF's CSRF check, as ``SessionAuthentication`` does. Raises
    ``IdentityUnavailable`` (a 503) when the cookies cannot be checked now.
    """

    def authenticate(self, request):
        if get_authorization_header(request):
            return None
        identity = request._request.identity
        user_id = identity.user_id
        if user_id is None:
            return None
        if identity.carried_by_cookie:
            SessionAuthentication().enforce_csrf(request)  # DRF's own check, reused
        return RequestUser(user_id), None
