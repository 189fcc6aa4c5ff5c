"""The signing keys of our JWTs: the current one, and previous ones that still verify.

Every token carries the ``kid`` of the key that signed it, so verification picks the
right key without trying them all, and a key can be rotated without signing anybody
out: new tokens use the new key while tokens signed by a key still listed in
``JWT_PREVIOUS_SIGNING_KEYS`` verify until they expire.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from jwt.algorithms import get_default_algorithms

SUPPORTED_ALGORITHMS = {
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
}


@dataclass(frozen=True)
class Key:
    kid: str
    signing_key: object  # prepared for PyJWT; None for a previous key known only publicly
    verifying_key: object
    public_jwk: dict | None  # None for symmetric keys, which are never published


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _make_key(algorithm, material):
    """Build a ``Key`` from a shared secret (HS*) or a PEM key (RS*, ES*)."""
    implementation = get_default_algorithms()[algorithm]
    if algorithm.startswith("HS"):
        # A hash of a hash: the kid names the key without revealing anything about it.
        digest = hashlib.sha256(b"stateless-shop kid:" + material.encode()).digest()
        prepared = implementation.prepare_key(material)
        return Key(_b64(digest[:9]), prepared, prepared, None)
    try:
        prepared = implementation.prepare_key(material)
    except (ValueError, TypeError, jwt.InvalidKeyError) as exc:
        raise ImproperlyConfigured(
            f"A JWT signing key is not a valid PEM key for {algorithm}: {exc}"
        ) from exc
    private = prepared if hasattr(prepared, "public_key") else None
    public = private.public_key() if private is not None else prepared
    jwk = json.loads(implementation.to_jwk(public))
    # RFC 7638 thumbprint: SHA-256 of the required members, sorted, without spaces.
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    kid = _b64(hashlib.sha256(canonical.encode()).digest())
    jwk.update({"kid": kid, "use": "sig", "alg": algorithm})
    return Key(kid, private, public, jwk)


@dataclass(frozen=True)
class KeyRing:
    algorithm: str
    current: Key
    previous: tuple

    def verifying_key(self, kid):
        """The verifying key named ``kid``, or None when no listed key has that id."""
        for key in (self.current, *self.previous):
            if key.kid == kid:
                return key.verifying_key
        return None

    def public_jwks(self):
        """The JWK Set of every listed public key; empty for symmetric algorithms."""
        keys = [k.public_jwk for k in (self.current, *self.previous) if k.public_jwk]
        return {"keys": keys}


@cache
def get_keyring():
    """The key ring of the current settings; rebuilt when a test overrides them."""
    algorithm = settings.JWT_ALGORITHM
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ImproperlyConfigured(
            f"JWT_ALGORITHM {algorithm!r} is not supported; use one of "
            f"{', '.join(sorted(SUPPORTED_ALGORITHMS))}."
        )
    current = _make_key(algorithm, settings.JWT_SIGNING_KEY)
    if current.signing_key is None:
        raise ImproperlyConfigured("JWT_SIGNING_KEY must be a private key for signing.")
    previous = tuple(_make_key(algorithm, k) for k in settings.JWT_PREVIOUS_SIGNING_KEYS)
    return KeyRing(algorithm, current, previous)


@receiver(setting_changed)
def _reset_keyring(*, setting, **kwargs):
    if setting.startswith("JWT_") or setting == "SIMPLE_JWT":
        get_keyring.cache_clear()
