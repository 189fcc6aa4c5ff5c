"""Our JWTs: simplejwt's token classes on a token backend that knows the key ring.

Claims are only ``sub`` (user id), ``typ``, ``jti``, ``iat``, ``exp``, ``iss`` and ``aud``;
refresh tokens add ``sid``, the id of the sign-in (device) they belong to, which access
tokens do not copy. ``iss`` and ``aud`` are required and checked.
"""

import secrets

import jwt
from django.conf import settings
from rest_framework_simplejwt import settings as simplejwt_settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken
from rest_framework_simplejwt.tokens import AccessToken as SimpleAccessToken
from rest_framework_simplejwt.tokens import RefreshToken as SimpleRefreshToken
from rest_framework_simplejwt.tokens import Token

from .keys import get_keyring

SIGN_IN_CLAIM = "sid"


def jwt_settings():
    """simplejwt's settings as they are now.

    simplejwt replaces its ``api_settings`` object when ``SIMPLE_JWT`` changes; a name
    imported from it would keep the old one, so every read goes through here.
    """
    return simplejwt_settings.api_settings


REQUIRED_CLAIMS = ["exp", "iat", "jti", "iss", "aud", "sub", "typ"]


class KeyRingTokenBackend(TokenBackend):
    """Signs with the current key (naming it in ``kid``); verifies with the key named."""

    def __init__(self):
        current = jwt_settings()
        super().__init__(
            settings.JWT_ALGORITHM,
            audience=current.AUDIENCE,
            issuer=current.ISSUER,
            leeway=current.LEEWAY,
        )
        self.keyring = get_keyring()

    def encode(self, payload):
        claims = {**payload, "iss": self.issuer, "aud": self.audience}
        current = self.keyring.current
        return jwt.encode(
            claims, current.signing_key, algorithm=self.algorithm, headers={"kid": current.kid}
        )

    def decode(self, token, verify=True):
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keyring.verifying_key(kid)
            if key is None:
                raise TokenBackendError("Token is signed by an unknown key")
            return jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],  # never "none", never another family
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.get_leeway(),
                options={"require": REQUIRED_CLAIMS, "verify_signature": verify},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken("Token is expired") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenBackendError("Token is invalid") from exc


class _KeyRingToken(Token):
    """Reads lifetime and backend from settings at call time, so overrides apply."""

    lifetime_setting = None

    @property
    def lifetime(self):
        return getattr(jwt_settings(), self.lifetime_setting)

    @property
    def token_backend(self):
        return KeyRingTokenBackend()

    def set_jti(self):
        # 128 random bits in 22 characters, where simplejwt spends 32 on a uuid4.
        self.payload[jwt_settings().JTI_CLAIM] = secrets.token_urlsafe(16)


class AccessToken(_KeyRingToken, SimpleAccessToken):
    lifetime_setting = "ACCESS_TOKEN_LIFETIME"


class RefreshToken(_KeyRingToken, SimpleRefreshToken):
    lifetime_setting = "REFRESH_TOKEN_LIFETIME"
    access_token_class = AccessToken
    no_copy_claims = (*SimpleRefreshToken.no_copy_claims, SIGN_IN_CLAIM)

    def verify(self):
        # Whether this token was rotated out or revoked is decided by the refresh service
        # under a row lock (it may be a racing tab within the grace window), not here.
        Token.verify(self)

    @property
    def sign_in_id(self):
        return self.payload.get(SIGN_IN_CLAIM)
