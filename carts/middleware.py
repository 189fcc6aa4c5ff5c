from django.conf import settings

from accounts.identity import authenticated_user_id

from . import tokens
from .backends import cart_class, open_cart

TOKEN_HEADER = "X-Cart-Token"  # noqa: S105 - a header name, not a secret


class CartSession:
    """Whose cart a request works on, decided lazily (a catalog page never asks).

    Signed-in users have their own cart; guests have the cart their token names (the
    ``X-Cart-Token`` header, else the cookie). A guest's first write issues a token,
    which goes back as an HttpOnly cookie and as the ``X-Cart-Token`` response header.
    """

    def __init__(self, request):
        self.request = request
        self.issued_token = None
        self.forget_guest_token = False
        self.count = None  # lines' total quantity after a write, for the header cookie

    def guest_token(self):
        """The guest token this request names: a non-empty ``X-Cart-Token`` header, else
        the cart cookie (an empty header is no header), else None."""
        return self.request.headers.get(TOKEN_HEADER) or self.request.COOKIES.get(
            settings.CART_COOKIE
        )

    def guest_id(self):
        return tokens.read(self.issued_token or self.guest_token())

    def carried_by_cookie(self):
        """Whether this request's cart is (or, once written, will be) its cookie's, so
        that a write needs the CSRF token.

        A guest's cart is the cookie's unless a non-empty ``X-Cart-Token`` names one, so a
        request that carries cookies (a browser) needs the token even for the write that
        creates its cart; a request with no cookie at all has nothing another site could
        forge. Session carts are the session cookie's. A signed-in user's cookies are
        checked by the authentication (see ``JWTAuthentication``).
        """
        owner = self.owner()
        if owner is not None and owner[0] == "session":
            return True
        if owner is not None and owner[0] == "user":
            return False
        return not self.request.headers.get(TOKEN_HEADER) and bool(self.request.COOKIES)

    def owner(self, *, create=False):
        """``("user", id)``, ``("guest", id)``, or None for a guest without a cart yet.

        With ``create``, a guest without a (valid) token gets a new one.
        """
        backend, _ = cart_class()
        if not backend.keyed_by_owner:
            return ("session", "")
        user_id = authenticated_user_id(self.request)
        if user_id is not None:
            return ("user", user_id)
        guest_id = self.guest_id()
        if guest_id is None and create:
            guest_id, self.issued_token = tokens.issue()
        return ("guest", guest_id) if guest_id is not None else None

    def cart(self, *, create=False):
        """The request's cart, or None for a guest without one (and not ``create``)."""
        owner = self.owner(create=create)
        return open_cart(owner, request=self.request) if owner is not None else None

    def update(self, response):
        secure = settings.AUTH_COOKIE_SECURE
        # A new token, or one whose cart was just used: (re)set the cookie, so that it
        # lives as long as the cart in Redis, whose expiry every write renews.
        cookie_token = self.issued_token or (
            self.count is not None
            and not self.forget_guest_token
            and self.request.COOKIES.get(settings.CART_COOKIE)
        )
        if self.issued_token:
            response[TOKEN_HEADER] = self.issued_token
        if cookie_token and tokens.read(cookie_token):
            response.set_cookie(
                settings.CART_COOKIE,
                cookie_token,
                max_age=settings.CARTS["OPTIONS"]["GUEST_TTL"],
                path="/",
                secure=secure,
                httponly=True,
                samesite="Lax",
            )
        elif self.forget_guest_token and settings.CART_COOKIE in self.request.COOKIES:
            response.delete_cookie(settings.CART_COOKIE, path="/", samesite="Lax")
        if self.count is not None:
            # Display only (the header's count on pages that must not touch Redis); the
            # cart itself is always read from the server.
            response.set_cookie(
                settings.CART_COUNT_COOKIE, str(self.count), path="/", secure=secure, samesite="Lax"
            )


class CartMiddleware:
    """Sets ``request.cart_session``, which finds the request's cart only when asked:
    a catalog request never touches Redis."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = CartSession(request)
        request.cart_session = session
        response = self.get_response(request)
        session.update(response)
        return response
