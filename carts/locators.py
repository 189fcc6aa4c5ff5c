"""How a request finds its cart: ``request.cart_locator``, which looks only when asked.

The cart middleware sets ``request.cart_locator`` to the locator of the configured
backend (``BaseCart.locator_class``); a catalog request never asks it anything, which is
why the catalog stays up when Redis is down. Carts it hands out note the lines' total
after every read and write (``count``), which the response turns into the header's
count cookie and the renewal of the guest cookie: no view records it by hand.

A signed-in request's identity may still owe its denylist check
(``BaseIdentity.pending_denial``): the locator then opens the claimed user's cart with
the check armed on it (``BaseCart.guard``), so a warm cart view or write is one Redis
round trip. A revoked token's answer is dropped and the request's real cart (its
cookies' guest cart, or a 401) is used instead.
"""

from django.conf import settings

from . import tokens
from .backends import open_cart
from .exceptions import OwnerRevoked

TOKEN_HEADER = "X-Cart-Token"  # noqa: S105 - a header name, not a secret


class CartLocator:
    """Carts keyed by their owner (the default): the signed-in user's, else a guest's.

    Who is signed in comes from ``request.identity``. A guest's cart is the one its
    token names: a non-empty ``X-Cart-Token`` header, else the cart cookie (an empty
    header is no header). A guest's first write issues a token, which goes back as an
    HttpOnly cookie and as the ``X-Cart-Token`` response header.
    """

    def __init__(self, request):
        self.request = request
        self.issued_token = None  # a token this response hands out
        self.forget_guest_token = False  # this response drops the guest cookie
        self.count = None  # the lines' total after this request's last read or write
        self._read = None  # (token, the id it names) of the last guest_id()

    # --- Which cart ----------------------------------------------------------------------

    def owner(self, *, create=False):
        """``("user", id)``, ``("guest", id)``, or None for a guest without a cart yet.

        With ``create``, a guest without a (valid) token gets a new one.
        """
        user_id = self.request.identity.user_id
        if user_id is not None:
            return ("user", user_id)
        guest_id = self.guest_id()
        if guest_id is None and create:
            guest_id, self.issued_token = tokens.issue()
        return ("guest", guest_id) if guest_id is not None else None

    def cart(self, *, create=False):
        """The request's cart, or None for a guest without one (and not ``create``)."""
        identity = self.request.identity
        pending = identity.pending_denial()
        if pending is not None:
            backend = open_cart(("user", pending.user_id), request=self.request)
            counted = CountedCart(backend, self, reopen=lambda: self.cart(create=create))
            if backend.guard(alias=pending.alias, key=pending.key, answered=counted.answered):
                return counted
        owner = self.owner(create=create)
        if owner is None:
            self.count = 0  # no cart: nothing in it
            return None
        return CountedCart(open_cart(owner, request=self.request), self)

    def carried_by_cookie(self):
        """Whether this request's cart is (or, once written, will be) its cookie's, so
        that a write needs the CSRF token.

        A signed-in user's cart follows the identity (a cookie, or a Bearer header). A
        guest's cart is the cookie's unless a non-empty ``X-Cart-Token`` names one, so a
        request that carries cookies (a browser) needs the token even for the write that
        creates its cart; a request with no cookie at all has nothing another site could
        forge.
        """
        identity = self.request.identity
        # A pending check names a user already (its cart is checked with its command).
        if identity.pending_denial() is not None or identity.user_id is not None:
            return identity.carried_by_cookie
        return not self.request.headers.get(TOKEN_HEADER) and bool(self.request.COOKIES)

    def idempotency_scope(self):
        """What an Idempotency-Key of a cart write is scoped to: ``"user:<id>"`` or
        ``"guest:<id>"``, or None for a guest without a cart yet (see
        ``carts.services.cart_add_once``); also what the cart's abuse limit counts by.

        While the identity's denylist check is pending, the user its token claims: the
        signature is good, and nothing is read or written for that scope before the
        check's answer (``cart_add_once`` sends it with the runner's first command). A
        revoked token's refused write so counts against that cart's rate limit, for the
        few minutes the token had left.
        """
        pending = self.request.identity.pending_denial()
        owner = ("user", pending.user_id) if pending is not None else self.owner()
        return f"{owner[0]}:{owner[1]}" if owner is not None else None

    # --- Guest tokens ----------------------------------------------------------------------

    def guest_token(self):
        """The guest token this request sends, or None (not checked)."""
        return self.request.headers.get(TOKEN_HEADER) or self.request.COOKIES.get(
            settings.CART_COOKIE
        )

    def guest_id(self):
        """The id in the token issued now or sent, or None (missing or tampered); a
        request asks several times, and the signature is checked once per token."""
        token = self.issued_token or self.guest_token()
        if self._read is None or self._read[0] != token:
            self._read = (token, tokens.read(token))
        return self._read[1]

    def holds_guest_token(self, token):
        """Whether this request works on the guest cart ``token`` names."""
        return bool(token) and self.owner() == ("guest", tokens.read(token))

    def reissue(self, token):
        """Hand ``token`` out again (a replayed first add answers what the first did)."""
        self.issued_token = token

    def guest_cart(self):
        """The guest cart this request names, to merge at sign-in, or None."""
        guest_id = self.guest_id()
        return open_cart(("guest", guest_id)) if guest_id is not None else None

    def user_cart(self, user_id):
        """``user_id``'s cart (counted), e.g. for the user signing in on this request."""
        return CountedCart(open_cart(("user", user_id), request=self.request), self)

    def forget_guest(self):
        """This response drops the guest cookie (its cart was merged into the user's)."""
        self.forget_guest_token = True

    def signed_out(self):
        """The header must not show the signed-out user's count to the next visitor."""
        self.count = 0

    # --- The response ------------------------------------------------------------------

    def update(self, response):
        """Set or drop the guest cookie, send an issued token, and set the count cookie."""
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


class SessionCartLocator(CartLocator):
    """Carts kept in ``request.session`` (the legacy profile's ``SessionCart``).

    The session is the cart: there is no guest token, nothing to merge at sign-in
    (Django keeps the session's data when the user signs in), and the session cookie
    names the cart, so every write needs the CSRF token.
    """

    def owner(self, *, create=False):
        return ("session", self.request.session.session_key or "")

    def carried_by_cookie(self):
        return True

    def idempotency_scope(self):
        session = self.request.session
        if not session.session_key:
            session.save()  # a key to scope the record by; the response sends its cookie
        return f"session:{session.session_key}"

    def holds_guest_token(self, token):
        return False

    def guest_cart(self):
        return None


class CountedCart:
    """A cart as the locator hands it out: reads and writes note the lines' total.

    Implements the ``BaseCart`` methods by calling the backend's, so every view, API and
    service that reads or writes the request's cart keeps the count right without
    knowing about it; other attributes (``max_quantity``, ``owner``...) are the backend's.
    """

    def __init__(self, cart, locator, *, reopen=None):
        self.backend = cart
        self._locator = locator
        # While a guard is armed on the backend (the identity's pending check): how to
        # open the request's real cart should the check find the token revoked.
        self._reopen = reopen

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def lines(self):
        return self._noted(self._run(lambda cart: cart.lines(), {}))

    def add(self, product_id, quantity, *, limit):
        return self._noted(self._run(lambda cart: cart.add(product_id, quantity, limit=limit)))

    def set(self, product_id, quantity, *, limit):
        return self._noted(self._run(lambda cart: cart.set(product_id, quantity, limit=limit)))

    def remove(self, product_id):
        return self._noted(self._run(lambda cart: cart.remove(product_id), {}))

    def clear(self):
        self._run(lambda cart: cart.clear())
        self._locator.count = 0

    def take(self, lines):
        self._run(lambda cart: cart.take(lines))
        if self._locator.count is not None:  # what was read before, less what was bought
            self._locator.count = max(0, self._locator.count - sum(lines.values()))

    def merge_from(self, other, *, limits):
        return self._run(lambda cart: cart.merge_from(other, limits=limits))

    def queue_lines(self, pipe):
        lines = self.backend.queue_lines(pipe)
        return lambda replies: self._noted(lines(replies))

    def add_recording(self, product_id, quantity, *, limit, expected, completion):
        lines, recorded = self.backend.add_recording(
            product_id, quantity, limit=limit, expected=expected, completion=completion
        )
        return self._noted(lines), recorded

    def confirm(self):
        """Have the identity's pending check made now, if this cart still carries it."""
        if self._reopen is not None:
            self.lines()

    def answered(self, denied):
        """A guard's answer (``BaseCart.guard``): the identity's pending check is settled."""
        identity = self._locator.request.identity
        if identity.pending_denial() is not None:  # not asked and answered meanwhile
            identity.settle_denial(denied)
        if not denied:
            self._reopen = None

    def _run(self, operation, empty=None):
        """``operation(backend)``; if its guard found the token revoked, the same on the
        request's real cart instead (``empty`` when that is a guest without a cart)."""
        try:
            return operation(self.backend)
        except OwnerRevoked:
            # The identity has its answer now: a 401 (raised here), or the cookies' guest.
            cart, self._reopen = self._reopen(), None
            if cart is None:
                return empty
            self.backend = cart.backend
            return operation(self.backend)

    def _noted(self, lines):
        self._locator.count = sum(lines.values())
        return lines
