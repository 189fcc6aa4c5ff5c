"""The identity contract, which every way of carrying a sign-in implements.

``request.identity`` answers who the request is and carries out signing in and out, the
way ``request.session`` is the session whatever its engine. Views, forms, context
processors, carts and checkout talk to this interface only and never ask which profile
runs. The profile chooses the implementation by the middleware it installs (Django's
own switch), exactly as it chooses a session engine by ``SESSION_ENGINE``:

- ``cookies.JWTCookieIdentity``: JWT access and refresh tokens in HttpOnly cookies;
  installed by ``accounts.middleware.JWTCookieMiddleware`` (the stateless profile).
- ``session.SessionIdentity``: Django's session login; installed by
  ``accounts.middleware.SessionIdentityMiddleware`` (the legacy profile).
- ``bearer.BearerIdentity``: an ``Authorization: Bearer`` access token (API clients);
  set by DRF's ``accounts.authentication.JWTAuthentication``, in any profile that lists it.

A Bearer request's identity is set by DRF authentication, which runs inside the view:
it takes the place of the middleware's for the rest of the request, so carts and
checkout see the token's user. DRF's ``IdentityAuthentication`` reads whatever identity
the middleware installed, so the same class serves every profile.

Adding an implementation (the migration's bridge): subclass ``BaseIdentity``, implement
the block below, and install it with a subclass of ``accounts.middleware.IdentityMiddleware``
naming it in ``identity_class``; the profile puts that middleware where
``JWTCookieMiddleware`` is. No view changes. A bridge that accepts a legacy session *or*
JWT cookies composes a ``JWTCookieIdentity`` and a ``SessionIdentity`` of the same
request: ``user_id`` is the JWT side's, else the session's (and when only the session
names a user, the JWT side ``adopt``\\ s a new pair for that user, so the browser leaves
with JWT cookies: no second sign-in); ``sign_in`` and ``sign_out`` act on both sides, but
announce ``user_logged_in`` / ``user_logged_out`` once (Django's ``login()`` on the
session side announces; the JWT side then only ``adopt``\\ s its pair); ``update`` writes
both; ``carried_by_cookie`` is true.

A token identity verifies its token's signature at once (CPU only) but may leave the
denylist lookup, a Redis round trip, to a collaborator that talks to the same Redis
anyway: ``pending_denial`` hands the check out, ``settle_denial`` takes the answer back
(the cart sends it with its own command, see ``carts.locators.CartLocator.cart``).
Asking ``user_id`` meanwhile makes the check on the spot, so nothing acts as the user
unchecked. Identities without a denylist (sessions) and the bridge never hand one out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PendingDenial:
    """A revocation check an identity has not made yet: the request is ``user_id``'s
    unless ``key`` exists in the Redis of the cache alias ``alias`` (the denylist)."""

    alias: str
    key: str
    user_id: int


class BaseIdentity:
    """The identity of one request (one instance per request, like a session store).

    Nothing is looked up until asked, so a request that never asks (the cacheable
    catalog) reads no cookie, no session and no Redis.
    """

    #: Whether the browser sends this identity's credential by itself (a cookie), so a
    #: write it authenticates must carry the CSRF token. False for header credentials.
    carried_by_cookie = True

    def __init__(self, request):
        self.request = request

    # --- The methods an identity must implement ---------------------------------------

    @property
    def user_id(self) -> int | None:
        """The signed-in user's id, or None for an anonymous request.

        Cheap to ask (token identities answer without a database query). Raises
        ``accounts.exceptions.IdentityUnavailable`` when the request carries credentials
        that cannot be checked now (Redis down): its cart and orders must be a 503, never
        a stranger's empty cart.
        """
        raise NotImplementedError

    def get_user(self):
        """The signed-in, active ``User``, else ``AnonymousUser``; backs ``request.user``.

        Raises ``IdentityUnavailable`` as ``user_id`` does.
        """
        raise NotImplementedError

    @property
    def sign_in_id(self) -> int | None:
        """The id of this browser's ``SignIn`` (its device row), or None when it has none
        (anonymous, or an identity without device rows such as a session)."""
        raise NotImplementedError

    def sign_in(self, user) -> None:
        """Sign ``user`` in on this request's response, and for the rest of the request.

        Announces ``user_logged_in`` (the cart app merges the guest cart there) and gives
        the browser a new CSRF secret for its new identity.
        """
        raise NotImplementedError

    def sign_out(self) -> None:
        """End this request's sign-in now (it cannot be used again from anywhere), and
        announce ``user_logged_out`` (the cart app resets the header's count there)."""
        raise NotImplementedError

    def password_changed(self, user) -> None:
        """``user``'s password was just changed, which ended every sign-in of theirs
        (``accounts.signals``): keep this browser signed in, on a new sign-in.

        Called inside the transaction that saved the password.
        """
        raise NotImplementedError

    def update(self, response) -> None:
        """Write what this request changed about its sign-in (cookies) on ``response``.

        Called once per request by the identity middleware; may be a no-op.
        """
        raise NotImplementedError

    # --- A check a collaborator may carry (optional) -----------------------------------

    def pending_denial(self) -> PendingDenial | None:
        """The denylist check this identity still owes before it may answer ``user_id``,
        or None: nothing pending (checked already, anonymous, or no denylist at all).

        A collaborator that takes it sends the check in the same round trip as its own
        command, lets nothing it reads or writes take effect when the key exists (the
        cart discards the lines it read; its write script refuses to write), and reports
        the answer with ``settle_denial`` before it uses ``user_id`` or its result. One
        that does not take it simply asks ``user_id``. The default: nothing pending.
        """
        return None

    def settle_denial(self, denied: bool) -> None:
        """The answer to the check ``pending_denial()`` handed out.

        Not denied: the identity is ``PendingDenial.user_id``'s, with no further lookup.
        Denied: it behaves exactly as if it had found that itself (JWT cookies: the
        refresh cookie, else anonymous with the cookies dropped; a Bearer token: a 401 at
        the next question). Only called after ``pending_denial()`` returned a check.
        """
        raise RuntimeError(f"{type(self).__name__} hands out no pending check.")
