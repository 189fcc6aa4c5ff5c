"""The bridge identity: JWT cookies, and the legacy session beside them.

Installed by ``accounts.middleware.BridgeIdentityMiddleware`` in ``shop.settings.bridge``,
the release that runs beside legacy instances (and that may be rolled back to them). It
composes the two other cookie identities of one request, as ``base`` describes:

- Valid JWT cookies: the request is theirs, as in the stateless profile.
- No valid JWT cookie, a legacy session cookie: the session is checked exactly as
  Django's ``get_user()`` checks it (the backend still configured, the user active, the
  session's ``_auth_user_hash`` matching the current password hash under ``SECRET_KEY``
  or one of ``SECRET_KEY_FALLBACKS``; an expired session is not found by its store).
  A valid one is *exchanged*: a new JWT sign-in is adopted and this response sets its
  cookies; nothing is announced (it is not a new sign-in) and the shopper never signs
  in again. A forged, unknown or undecodable session cookie is just "not signed in".
- Signing in writes both: the JWT pair and the legacy session (Django's ``login()``,
  which announces ``user_logged_in`` once), so a legacy instance knows the shopper.
  Signing out ends both, announced once. A password change keeps both.

Exchanged and bridge-written sessions get ``EXCHANGED_KEY`` (a timestamp), which
``end_legacy_sessions`` looks for after the window.

The pair cookie (``AUTH_PAIR_COOKIE``, a signed sign-in id) says which JWT sign-in this
browser's legacy session was written with (or exchanged for), and the two then end
together. A legacy instance knows nothing of JWTs: a sign-out there ends the session
only, so while the pair cookie names the JWT sign-in the request carries, that sign-in
lives only as long as the session still names its user; once it does not, the JWT side
is signed out too (and a session of another user, who signed in on a legacy instance
since, is exchanged). The other way round, a paired JWT sign-in that was ended (from
another device, or the account page) ends its session on the next request here instead
of being exchanged again; a legacy instance honours that session until then (one that
merely expired is exchanged again, as any valid session is). JWT sign-ins made
elsewhere (the stateless release, which follows) carry no pair and are left alone.
Checking a pair costs a session read per signed-in request: the price of the bridge
release only.

The cookies never collide: JWT cookies (``AUTH_ACCESS_COOKIE``, ``AUTH_REFRESH_COOKIE``,
``AUTH_HINT_COOKIE``), the pair cookie and the session cookie have distinct names, all on
path ``/``; the one CSRF secret lives in its own cookie and both releases check it.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import services
from ..exceptions import IdentityUnavailable
from ..models import SignIn
from .base import BaseIdentity
from .cookies import JWTCookieIdentity
from .session import SessionIdentity

PAIR_SALT = "accounts.identity.bridge.pair"
# Set in the legacy session (a timestamp) once this browser holds JWT cookies: exchanged,
# or written by a sign-in here. `end_legacy_sessions` (shop.migration) ends those.
EXCHANGED_KEY = "_stateless_exchanged_at"


class BridgeIdentity(BaseIdentity):
    """Who a request is, from its JWT cookies or else its legacy session."""

    carried_by_cookie = True

    def __init__(self, request):
        super().__init__(request)
        self.jwt = JWTCookieIdentity(request)
        self.legacy = SessionIdentity(request)
        self._resolved = False
        self._user = None  # the session's user, when it was read for the exchange
        self._pair = None  # the sign-in id this response pairs the session with
        self._unpair = False  # this response drops the pair cookie
        self._unavailable = False  # the sign-in could not be checked or exchanged (Redis down)

    # --- The interface ---------------------------------------------------------------

    @property
    def user_id(self):
        if not self._resolved:
            self._resolved = True
            try:
                self._resolve()
            except IdentityUnavailable:
                self._unavailable = True  # for every later question too, never a guest
        if self._unavailable:
            raise IdentityUnavailable()
        return self.jwt.user_id

    def get_user(self):
        user_id = self.user_id
        if self._user is not None and self._user.pk == user_id:
            return self._user  # loaded by the exchange a moment ago
        return self.jwt.get_user()

    @property
    def sign_in_id(self):
        return self.jwt.sign_in_id

    def sign_in(self, user):
        self._drop_adopted()
        # The pair first, so that whatever listens to user_logged_in (the cart merge)
        # already sees this user through request.identity.
        self._adopt(user)
        self.legacy.sign_in(user)  # login(): cycles the session key, rotates CSRF, announces
        self._mark_exchanged()

    def sign_out(self):
        self._drop_adopted()
        self._resolved = True  # no exchange just to end it
        self.jwt.sign_out()  # revokes the cookie's sign-in, drops the cookies, announces
        # Django's logout() without its second announcement: the session, cart mirror
        # included, is gone for every instance.
        self.request.session.flush()
        self._pair, self._unpair = None, True

    def password_changed(self, user):
        self.jwt.password_changed(user)  # a new JWT sign-in for this browser
        self.legacy.password_changed(user)  # this session stays valid, others do not
        self._pair = str(self.jwt.sign_in_id)

    def update(self, response):
        self.jwt.update(response)
        if self._pair is not None:
            response.set_cookie(
                settings.AUTH_PAIR_COOKIE,
                signing.Signer(salt=PAIR_SALT).sign(self._pair),
                max_age=int(settings.SESSION_COOKIE_AGE),
                path="/",
                secure=settings.AUTH_COOKIE_SECURE,
                httponly=True,
                samesite=settings.AUTH_COOKIE_SAMESITE,
            )
        elif self._unpair and settings.AUTH_PAIR_COOKIE in self.request.COOKIES:
            response.delete_cookie(
                settings.AUTH_PAIR_COOKIE, path="/", samesite=settings.AUTH_COOKIE_SAMESITE
            )

    # --- Bridge specifics --------------------------------------------------------------

    def _resolve(self):
        user_id = self.jwt.user_id  # raises IdentityUnavailable, as the exchange may
        paired = self._paired_sign_in()
        if user_id is not None:
            if paired is None or paired != str(self.jwt.sign_in_id):
                return  # a JWT sign-in of its own (e.g. the stateless release's)
            if self._session_names(user_id):
                return
            # Signed out (or in as someone else) on a legacy instance since: end it here.
            self.jwt.sign_out()
            self._unpair = True
        elif paired is not None and self._ended(paired):
            # The JWT sign-in this session was paired with was ended (signed out on
            # another device, from the account page): so is the session, or an exchange
            # would undo that. One that merely expired is exchanged as any session is.
            self.request.session.flush()
            self._unpair = True
            return
        user = self._session_user()
        if user is not None:
            self._adopt(user)
            self._mark_exchanged()

    def _adopt(self, user):
        """Adopt a new JWT sign-in for ``user`` on this response, paired with the session."""
        user_agent = self.request.META.get("HTTP_USER_AGENT", "")
        self.jwt.adopt(services.sign_in_create(user=user, user_agent=user_agent))
        self._resolved, self._user = True, user
        self._pair, self._unpair = str(self.jwt.sign_in_id), False
        self.request.user = user

    def _drop_adopted(self):
        """End a sign-in this very request adopted (its cookies never left): replaced by
        a sign-in, or ended by a sign-out, it must not stay listed as a device."""
        if self._user is not None:
            services.sign_in_revoke(user_id=self._user.pk, ids=[self._pair])
            self._user = None

    def _mark_exchanged(self):
        self.request.session[EXCHANGED_KEY] = timezone.now().isoformat()

    def _session_user(self):
        """The user the legacy session signs in, as Django's ``get_user()`` decides, or
        None. Without a session cookie nothing is read."""
        if settings.SESSION_COOKIE_NAME not in self.request.COOKIES:
            return None
        try:
            user = get_user(self.request)
        except ValidationError:
            return None  # a user id this project's user model cannot read: not ours
        return user if user.is_authenticated else None

    def _session_names(self, user_id):
        """Whether the legacy session still names ``user_id``. The password hash is not
        compared: a password change ends the JWT sign-ins themselves (accounts.signals)."""
        if settings.SESSION_COOKIE_NAME not in self.request.COOKIES:
            return False
        return self.request.session.get(SESSION_KEY) == str(user_id)

    @staticmethod
    def _ended(sign_in_id):
        """Whether the sign-in was ended (not merely expired)."""
        return SignIn.objects.filter(pk=sign_in_id).exclude(revoked_at=None).exists()

    def _paired_sign_in(self):
        """The sign-in id in the pair cookie, or None (absent or tampered)."""
        value = self.request.COOKIES.get(settings.AUTH_PAIR_COOKIE)
        if not value or len(value) > 200:
            return None
        try:
            return signing.Signer(salt=PAIR_SALT).unsign(value)
        except signing.BadSignature:
            return None
