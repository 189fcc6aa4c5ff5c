"""Identity decisions: registering, signing in, rotating, revoking.

Every entry point (API, pages, admin) goes through these functions. Tokens are issued
per sign-in (one device); a refresh rotates the sign-in's token; revoking a sign-in
kills its refresh token in the database and its access tokens in Redis at once. The
database keeps a digest of the current refresh token's ``jti`` per sign-in, never a
token (simplejwt's outstanding-token table, which kept each one whole, is not used).
"""

from dataclasses import asdict, dataclass

from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.utils import datetime_from_epoch

from . import revocation
from .exceptions import InvalidCredentials, InvalidToken, TokenReused
from .identity.base import PendingDenial
from .models import SignIn, jti_digest
from .throttling import LoginThrottle
from .tokens import SIGN_IN_CLAIM, AccessToken, RefreshToken, jwt_settings

User = get_user_model()
_EMAIL_TAKEN = "An account with this e-mail address already exists."


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str

    def as_dict(self):
        return asdict(self)


def user_register(*, email: str, password: str) -> User:
    """Create a shopper; raises ``ValidationError`` naming the field that is wrong."""
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": [_EMAIL_TAKEN]})
    user = User(email=email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same address registered a moment ago elsewhere
        raise ValidationError({"email": [_EMAIL_TAKEN]}) from exc
    return user


def user_authenticate(*, request, email: str, password: str) -> User:
    """The active user with these credentials; failures are counted and throttled.

    Raises ``LoginThrottled`` before checking the password once the failures of this
    e-mail address or client address reach their limit, else ``InvalidCredentials``.
    """
    throttle = LoginThrottle(request, email)
    throttle.attempt()
    user = authenticate(request, email=email, password=password)
    if user is None:
        raise InvalidCredentials("Wrong e-mail address or password.")
    throttle.succeeded()
    return user


def sign_in_start(*, request, user) -> TokenPair:
    """Sign ``user`` in from ``request`` (page, admin or API) and announce it.

    ``user_logged_in`` is the hook for whatever follows a sign-in; the cart app merges
    the guest cart named by the request's cart token there.
    """
    pair = sign_in_create(user=user, user_agent=request.META.get("HTTP_USER_AGENT", ""))
    user_logged_in.send(sender=type(user), request=request, user=user)
    return pair


def sign_in_create(*, user, user_agent: str = "") -> TokenPair:
    """Start a sign-in (one device) for ``user`` and issue its first token pair."""
    with transaction.atomic():
        refresh = _new_refresh(user.pk)
        sign_in = SignIn.objects.create(
            user=user,
            user_agent=user_agent[:300],
            refresh_digest=jti_digest(refresh[jwt_settings().JTI_CLAIM]),
            expires_at=datetime_from_epoch(refresh["exp"]),
        )
        return _issue(sign_in, refresh)


def sign_in_refresh(*, raw_refresh: str) -> TokenPair:
    """Rotate a refresh token: the old one dies, a new pair is returned.

    Within ``JWT_REFRESH_GRACE_SECONDS`` of a rotation the old token returns the same
    successor pair (tabs racing, whichever instance answers). Later, a rotated-out token
    means it was copied: every sign-in of the user is revoked and ``TokenReused`` raised.
    A token of a revoked sign-in raises ``InvalidToken``.
    """
    token = _parse_refresh(raw_refresh)
    jti, sign_in_id = token[jwt_settings().JTI_CLAIM], token[SIGN_IN_CLAIM]
    replay = revocation.successor(jti, raw_refresh=raw_refresh)
    if replay is not None:
        return _replayed(replay)
    with transaction.atomic():
        # The row lock serialises refreshes of one sign-in across every instance.
        sign_in = (
            SignIn.objects.select_for_update(of=("self",))
            .filter(pk=sign_in_id, user_id=token[jwt_settings().USER_ID_CLAIM])
            .select_related("user")
            .first()
        )
        if sign_in is None or sign_in.revoked_at is not None or not sign_in.user.is_active:
            raise InvalidToken("This sign-in has ended; sign in again.")
        reused = sign_in.refresh_digest != jti_digest(jti)
        if reused:
            # Stored by the request we waited for.
            replay = revocation.successor(jti, raw_refresh=raw_refresh)
            if replay is not None:
                return _replayed(replay)
        else:
            # The new digest replaces the old one: from now on the old token is reused.
            pair = _issue(sign_in, _new_refresh(sign_in.user_id))
            revocation.store_successor(jti, pair.as_dict(), raw_refresh=raw_refresh)
            return pair
    user_revoke_all(user_id=sign_in.user_id)
    raise TokenReused("This sign-in token was already used; every sign-in has been ended.")


def sign_out(*, raw_refresh: str) -> None:
    """End the sign-in a refresh token belongs to (logout of one device): its refresh
    token and every access token issued to it stop working now."""
    token = _parse_refresh(raw_refresh)
    sign_in_revoke(user_id=int(token[jwt_settings().USER_ID_CLAIM]), ids=[token[SIGN_IN_CLAIM]])


def sign_in_revoke(*, user_id: int, ids) -> int:
    """End these sign-ins of ``user_id`` now; returns how many were still active."""
    with transaction.atomic():
        sign_ins = list(
            SignIn.objects.select_for_update().filter(
                user_id=user_id, pk__in=list(ids), revoked_at__isnull=True
            )
        )
        if not sign_ins:
            return 0
        # Refreshing checks revoked_at under the row lock: the refresh tokens die here.
        SignIn.objects.filter(pk__in=[s.pk for s in sign_ins]).update(revoked_at=timezone.now())
        # Inside the transaction: if Redis cannot deny the access tokens, nothing is
        # revoked and the caller learns it (IdentityUnavailable) instead of a half logout.
        revocation.deny_sign_ins([s.pk for s in sign_ins])
        return len(sign_ins)


def user_revoke_all(*, user_id: int) -> int:
    """End every sign-in of a user (sign out everywhere, password change, theft)."""
    ids = SignIn.objects.filter(user_id=user_id, revoked_at__isnull=True).values_list(
        "pk", flat=True
    )
    return sign_in_revoke(user_id=user_id, ids=ids)


def access_token_validate(raw: str) -> AccessToken:
    """A verified, unrevoked access token; raises ``InvalidToken`` otherwise.

    Costs no database query and one Redis round trip (the denylist).
    """
    token = access_token_verify(raw)
    if revocation.is_denied(token[jwt_settings().JTI_CLAIM]):
        raise InvalidToken("Token has been revoked")
    return token


def access_token_verify(raw: str) -> AccessToken:
    """An access token whose signature, expiry and type are good, *not yet checked
    against the denylist*; raises ``InvalidToken`` otherwise. CPU only.

    For an identity that defers the denylist lookup (``access_token_denial``) to a
    collaborator that sends it with its own command; anything else uses
    ``access_token_validate``.
    """
    try:
        return AccessToken(raw)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from exc


def access_token_denial(token: AccessToken) -> PendingDenial:
    """The denylist check still owed for ``token`` (from ``access_token_verify``)."""
    return PendingDenial(
        alias=revocation.REDIS_ALIAS,
        key=revocation.deny_key(token[jwt_settings().JTI_CLAIM]),
        user_id=int(token[jwt_settings().USER_ID_CLAIM]),
    )


def _replayed(pair):
    """A stored successor pair, unless its sign-in ended since (logout in the window)."""
    if revocation.is_denied(AccessToken(pair["access"], verify=False)[jwt_settings().JTI_CLAIM]):
        raise InvalidToken("This sign-in has ended; sign in again.")
    return TokenPair(**pair)


def _parse_refresh(raw):
    try:
        token = RefreshToken(raw)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from exc
    if SIGN_IN_CLAIM not in token.payload:
        raise InvalidToken("Token is invalid")
    return token


def _new_refresh(user_id):
    refresh = RefreshToken()
    refresh[jwt_settings().USER_ID_CLAIM] = str(user_id)
    return refresh


def _issue(sign_in, refresh) -> TokenPair:
    """Sign ``refresh`` for ``sign_in``, make it the sign-in's current token, add access."""
    refresh[SIGN_IN_CLAIM] = sign_in.pk
    access = refresh.access_token
    encoded = str(refresh)
    sign_in.refresh_digest = jti_digest(refresh[jwt_settings().JTI_CLAIM])
    sign_in.expires_at = datetime_from_epoch(refresh["exp"])
    sign_in.last_refreshed_at = timezone.now()
    sign_in.save(update_fields=["refresh_digest", "expires_at", "last_refreshed_at"])
    revocation.remember_access(sign_in.pk, access[jwt_settings().JTI_CLAIM])
    return TokenPair(access=str(access), refresh=encoded)
