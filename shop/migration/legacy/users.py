"""Who a legacy session is signed in as, decided the way Django's ``get_user()`` decides.

A session names a user (``_auth_user_id``), the backend that signed them in and an HMAC
of their password hash. Django signs the shopper out when the backend is no longer
configured, the user is gone or inactive, or the HMAC matches neither the current
``SECRET_KEY`` nor a fallback (the password changed since). The migration follows the
same rules, so nobody becomes signed in, or gets a cart, that Django would refuse.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac

HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


@dataclass(frozen=True)
class SessionUser:
    """``user_id`` of a valid sign-in; None for a guest session and for a refused one,
    which has a ``refused`` reason."""

    user_id: int | None = None
    refused: str | None = None

    @property
    def is_guest(self):
        return self.user_id is None and self.refused is None


def session_users(sessions, *, secret_keys=None):
    """``{session key: SessionUser}`` for decoded sessions, with one query per batch.

    ``secret_keys`` are the keys the legacy shop signed with (default: this project's
    ``SECRET_KEY`` and its fallbacks).
    """
    keys = secret_keys or [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    model = get_user_model()
    claimed = {}
    for session in sessions:
        if session.data is None or SESSION_KEY not in session.data:
            continue
        try:
            claimed[session.key] = model._meta.pk.to_python(session.data[SESSION_KEY])
        except ValidationError:
            claimed[session.key] = None
    users = model._default_manager.in_bulk({pk for pk in claimed.values() if pk is not None})
    result = {}
    for session in sessions:
        if session.key not in claimed:
            result[session.key] = SessionUser()
        else:
            user = users.get(claimed[session.key])
            result[session.key] = _verify(session.data, user, keys)
    return result


def _verify(data, user, keys):
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return SessionUser(refused="signed in through a backend no longer configured")
    if user is None:
        return SessionUser(refused="the user no longer exists")
    if not user.is_active:
        return SessionUser(refused="the user is deactivated")
    session_hash = data.get(HASH_SESSION_KEY) or ""
    for key in keys:
        expected = salted_hmac(HASH_SALT, user.password, secret=key, algorithm="sha256")
        if session_hash and constant_time_compare(session_hash, expected.hexdigest()):
            return SessionUser(user_id=user.pk)
    return SessionUser(refused="the password changed since this sign-in")
