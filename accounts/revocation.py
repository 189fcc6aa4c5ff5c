"""Redis records that make logout immediate and refresh races harmless.

- ``auth:deny:<jti>``: an access token that must no longer work (expires with it).
- ``auth:access:<sid>``: the access tokens issued to one sign-in, so that revoking the
  sign-in can deny them all.
- ``auth:successor:<jti>``: the pair issued when refresh token ``jti`` was rotated, kept
  for the grace window so a racing tab gets the same pair instead of being taken for a
  thief. Sealed (AES-GCM) with a key derived from the rotated-out token itself: only a
  client that presents that token can read it, so whoever reads Redis finds no live
  token there.

Checking an access token costs one round trip (``EXISTS``), or none of its own where an
identity hands the check to the cart, which sends ``deny_key`` with its command
(``accounts.identity.base.BaseIdentity.pending_denial``). Redis errors become
``IdentityUnavailable``: without the denylist a revoked token cannot be told apart.
"""

import hashlib
import json
import os
from contextlib import contextmanager

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from .exceptions import IdentityUnavailable
from .tokens import jwt_settings

REDIS_ALIAS = "default"
DENY_PREFIX = "auth:deny:"
ACCESS_PREFIX = "auth:access:"
SUCCESSOR_PREFIX = "auth:successor:"


@contextmanager
def _redis():
    try:
        yield get_redis_connection(REDIS_ALIAS)
    except RedisError as exc:
        raise IdentityUnavailable() from exc


def _access_ttl():
    return int(jwt_settings().ACCESS_TOKEN_LIFETIME.total_seconds()) + jwt_settings().LEEWAY + 1


def deny_key(jti):
    """The key (in the Redis of ``REDIS_ALIAS``) that exists while access token ``jti``
    is denied."""
    return DENY_PREFIX + jti


def is_denied(jti):
    with _redis() as redis:
        return bool(redis.exists(deny_key(jti)))


def remember_access(sign_in_id, jti):
    """Record that access token ``jti`` belongs to sign-in ``sign_in_id``."""
    key = f"{ACCESS_PREFIX}{sign_in_id}"
    with _redis() as redis:
        redis.pipeline().sadd(key, jti).expire(key, _access_ttl()).execute()


def deny_sign_ins(sign_in_ids):
    """Deny every access token still alive of these sign-ins."""
    keys = [f"{ACCESS_PREFIX}{sid}" for sid in sign_in_ids]
    if not keys:
        return
    with _redis() as redis:
        members = redis.pipeline()
        for key in keys:
            members.smembers(key)
        jtis = {jti.decode() for group in members.execute() for jti in group}
        writes = redis.pipeline()
        for jti in jtis:
            writes.set(deny_key(jti), 1, ex=_access_ttl())
        writes.delete(*keys)
        writes.execute()


def _sealer(raw_refresh):
    # The token is a signed JWT carrying 128 random bits: nothing to guess from its jti.
    return AESGCM(hashlib.sha256(b"auth:successor\x00" + raw_refresh.encode()).digest())


def store_successor(jti, pair, *, raw_refresh):
    """Keep ``pair`` for the grace window, readable only with ``raw_refresh`` (the
    rotated-out token whose ``jti`` it is)."""
    nonce = os.urandom(12)
    sealed = nonce + _sealer(raw_refresh).encrypt(nonce, json.dumps(pair).encode(), None)
    with _redis() as redis:
        redis.set(SUCCESSOR_PREFIX + jti, sealed, ex=settings.JWT_REFRESH_GRACE_SECONDS)


def successor(jti, *, raw_refresh):
    """The pair that replaced refresh token ``jti`` (presented as ``raw_refresh``) within
    the grace window, or None."""
    with _redis() as redis:
        stored = redis.get(SUCCESSOR_PREFIX + jti)
    if not stored:
        return None
    try:
        return json.loads(_sealer(raw_refresh).decrypt(stored[:12], stored[12:], None))
    except InvalidTag:  # sealed for another token (none can share a jti): not ours
        return None
