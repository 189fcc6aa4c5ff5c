"""Our JWTs against the real endpoints: what they carry, which forgeries answer 401, how
a signing key is rotated, and that the JWKS alone lets another service verify them."""

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.test import override_settings

from accounts import revocation
from accounts.keys import get_keyring
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis")]

PASSWORD = "correct horse battery"
KEY_A = "key-a-for-rotation-tests-" + "a" * 40
KEY_B = "key-b-for-rotation-tests-" + "b" * 40
OLD_KEY = "old-key-rotated-out-long-ago-" + "o" * 40
ANOTHER_KEY = "another-key-that-is-not-ours-" + "x" * 40


# --- Helpers ---------------------------------------------------------------------------------


def sign_in(client, user):
    """The token pair of a fresh sign-in of ``user`` through POST /api/v1/auth/token/."""
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def me(client, token):
    return client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


def b64(data):
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign_with_our_key(claims, **header):
    """``claims`` signed with the real HS256 key under its real kid (unless overridden)."""
    headers = {"kid": get_keyring().current.kid, **header}
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256", headers=headers)


def without(claims, name):
    return {k: v for k, v in claims.items() if k != name}


def assert_rejected(response):
    """A 401 with a Bearer challenge and the API's error body."""
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["detail"] and body["code"]


def pem(private_key):
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def asymmetric_settings(algorithm, current, previous=()):
    return override_settings(
        JWT_ALGORITHM=algorithm,
        JWT_SIGNING_KEY=current,
        JWT_PREVIOUS_SIGNING_KEYS=list(previous),
        SIMPLE_JWT={**settings.SIMPLE_JWT, "ALGORITHM": algorithm},
    )


def verify_with_jwks(token, jwks):
    """Verify ``token`` as another service would: with the published JWK named by its kid."""
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]
    return jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=[jwk["alg"]],
        audience=settings.SIMPLE_JWT["AUDIENCE"],
        issuer=settings.SIMPLE_JWT["ISSUER"],
    )


# --- A good token ----------------------------------------------------------------------------


def test_access_token_from_the_token_endpoint_authenticates_me(client):
    user = make_user(password=PASSWORD)

    response = me(client, sign_in(client, user)["access"])

    assert response.status_code == 200
    assert response.json() == {"id": user.id, "email": user.email}


def test_access_token_is_small_and_carries_only_the_documented_claims(client):
    pair = sign_in(client, make_user(password=PASSWORD))

    access, refresh = claims_of(pair["access"]), claims_of(pair["refresh"])
    header = jwt.get_unverified_header(pair["access"])

    assert len(pair["access"].encode()) <= 300
    assert set(access) == {"sub", "typ", "jti", "iat", "exp", "iss", "aud"}
    assert access["typ"] == "access"
    assert header["alg"] == "HS256"
    assert header["kid"] == get_keyring().current.kid
    assert set(refresh) == set(access) | {"sid"}
    assert refresh["typ"] == "refresh"


def test_claims_re_signed_with_our_key_are_accepted(client):
    """The control for the forgeries below: each changes one thing and is then refused."""
    pair = sign_in(client, make_user(password=PASSWORD))

    response = me(client, sign_with_our_key(claims_of(pair["access"])))

    assert response.status_code == 200


# --- Forgeries and bad tokens ----------------------------------------------------------------


def _alg_none(access):
    header = {"alg": "none", "typ": "JWT", "kid": jwt.get_unverified_header(access)["kid"]}
    _, payload, _ = access.split(".")
    return f"{b64(header)}.{payload}."


def _other_key(access):
    kid = jwt.get_unverified_header(access)["kid"]
    return jwt.encode(claims_of(access), ANOTHER_KEY, algorithm="HS256", headers={"kid": kid})


def _expired(access):
    now = int(time.time())
    return sign_with_our_key({**claims_of(access), "iat": now - 600, "exp": now - 60})


FORGERIES = {
    "alg-none": _alg_none,
    "signed-with-another-key": _other_key,
    "expired": _expired,
    "foreign-aud": lambda access: sign_with_our_key({**claims_of(access), "aud": "someone-else"}),
    "foreign-iss": lambda access: sign_with_our_key({**claims_of(access), "iss": "someone-else"}),
    "no-exp": lambda access: sign_with_our_key(without(claims_of(access), "exp")),
    "no-aud": lambda access: sign_with_our_key(without(claims_of(access), "aud")),
    "no-iss": lambda access: sign_with_our_key(without(claims_of(access), "iss")),
    "unknown-kid": lambda access: sign_with_our_key(claims_of(access), kid="no-such-key"),
    "no-kid": lambda access: jwt.encode(claims_of(access), settings.JWT_SIGNING_KEY, "HS256"),
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_access_token_is_refused(client, forge):
    pair = sign_in(client, make_user(password=PASSWORD))

    assert_rejected(me(client, forge(pair["access"])))


def test_payload_edited_to_name_another_user_is_refused(client):
    attacker, victim = make_user(password=PASSWORD), make_user(password=PASSWORD)
    header, payload, signature = sign_in(client, attacker)["access"].split(".")
    claims = {**claims_of(f"{header}.{payload}.{signature}"), "sub": str(victim.id)}

    assert_rejected(me(client, f"{header}.{b64(claims)}.{signature}"))


def test_refresh_token_is_not_an_access_token(client):
    pair = sign_in(client, make_user(password=PASSWORD))

    assert_rejected(me(client, pair["refresh"]))


def test_access_token_of_a_deleted_user_is_refused_and_denied(client):
    user = make_user(password=PASSWORD)
    access = sign_in(client, user)["access"]

    user.delete()

    assert_rejected(me(client, access))
    # Denied in Redis too: endpoints that trust the token without a query refuse it.
    assert revocation.is_denied(claims_of(access)["jti"])


def test_access_token_of_a_deactivated_user_is_refused_and_denied(client):
    user = make_user(password=PASSWORD)
    access = sign_in(client, user)["access"]

    user.is_active = False
    user.save()

    assert_rejected(me(client, access))
    assert revocation.is_denied(claims_of(access)["jti"])


def test_token_signed_with_a_key_rotated_out_is_refused(client):
    user = make_user(password=PASSWORD)
    with override_settings(JWT_SIGNING_KEY=OLD_KEY, JWT_PREVIOUS_SIGNING_KEYS=[]):
        access = sign_in(client, user)["access"]
        assert me(client, access).status_code == 200

    assert OLD_KEY != settings.JWT_SIGNING_KEY
    assert OLD_KEY not in settings.JWT_PREVIOUS_SIGNING_KEYS
    assert_rejected(me(client, access))


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        "..",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        b64({"alg": "HS256"}) + ".bm90IGpzb24." + "c2lnbmF0dXJl",
        b64([1, 2]) + "." + b64({}) + ".",
    ],
)
def test_garbage_bearer_token_is_refused(client, token):
    assert_rejected(me(client, token))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer one two"])
def test_malformed_bearer_header_is_refused(client, header):
    assert_rejected(client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=header))


# --- Key rotation ----------------------------------------------------------------------------


def test_rotated_key_still_verifies_until_dropped_while_new_tokens_use_the_new_key(client):
    user = make_user(password=PASSWORD)
    with override_settings(JWT_SIGNING_KEY=KEY_A, JWT_PREVIOUS_SIGNING_KEYS=[]):
        kid_a = get_keyring().current.kid
        old = sign_in(client, user)["access"]
    with override_settings(JWT_SIGNING_KEY=KEY_B, JWT_PREVIOUS_SIGNING_KEYS=[KEY_A]):
        kid_b = get_keyring().current.kid
        old_during_rotation = me(client, old)
        new = sign_in(client, user)["access"]
    with override_settings(JWT_SIGNING_KEY=KEY_B, JWT_PREVIOUS_SIGNING_KEYS=[]):
        old_after_drop = me(client, old)
        new_after_drop = me(client, new)

    assert kid_a != kid_b
    assert jwt.get_unverified_header(old)["kid"] == kid_a
    assert jwt.get_unverified_header(new)["kid"] == kid_b
    assert old_during_rotation.status_code == 200
    assert_rejected(old_after_drop)
    assert new_after_drop.status_code == 200


def test_refresh_under_a_new_key_reissues_the_pair_with_that_key(client):
    user = make_user(password=PASSWORD)
    with override_settings(JWT_SIGNING_KEY=KEY_A, JWT_PREVIOUS_SIGNING_KEYS=[]):
        refresh = sign_in(client, user)["refresh"]
    with override_settings(JWT_SIGNING_KEY=KEY_B, JWT_PREVIOUS_SIGNING_KEYS=[KEY_A]):
        kid_b = get_keyring().current.kid
        response = client.post(
            "/api/v1/auth/token/refresh/", {"refresh": refresh}, content_type="application/json"
        )

    assert response.status_code == 200, response.content
    pair = response.json()
    assert jwt.get_unverified_header(pair["access"])["kid"] == kid_b
    assert jwt.get_unverified_header(pair["refresh"])["kid"] == kid_b


def test_access_token_lifetime_follows_an_overridden_simple_jwt_setting(client):
    """``_KeyRingToken`` promises "reads lifetime ... at call time, so overrides apply"."""
    user = make_user(password=PASSWORD)
    short = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(seconds=60)}
    with override_settings(SIMPLE_JWT=short):
        claims = claims_of(sign_in(client, user)["access"])

    assert claims["exp"] - claims["iat"] == 60, (
        "accounts.tokens reads the api_settings object bound at import; simplejwt replaces "
        "that object when SIMPLE_JWT changes, so the override never reaches our tokens"
    )


# --- The JWKS --------------------------------------------------------------------------------


def test_jwks_is_empty_for_symmetric_keys(client):
    with override_settings(JWT_PREVIOUS_SIGNING_KEYS=[KEY_A]):
        response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.json() == {"keys": []}


def test_es256_tokens_verify_with_the_published_jwks_alone(client):
    current, previous = (pem(ec.generate_private_key(ec.SECP256R1())) for _ in range(2))
    user = make_user(password=PASSWORD)
    with asymmetric_settings("ES256", previous):
        signed_by_previous = sign_in(client, user)["access"]
    with asymmetric_settings("ES256", current, [previous]):
        signed_by_current = sign_in(client, user)["access"]
        jwks = client.get("/.well-known/jwks.json").json()
        accepted = [me(client, t).status_code for t in (signed_by_current, signed_by_previous)]

    keys = jwks["keys"]
    assert len(keys) == 2
    assert len({k["kid"] for k in keys}) == 2
    for key in keys:
        assert key["kty"] == "EC" and key["crv"] == "P-256"
        assert key["use"] == "sig" and key["alg"] == "ES256"
        assert "d" not in key  # never the private part
    assert jwt.get_unverified_header(signed_by_current)["alg"] == "ES256"
    assert verify_with_jwks(signed_by_current, jwks) == claims_of(signed_by_current)
    assert verify_with_jwks(signed_by_previous, jwks) == claims_of(signed_by_previous)
    assert accepted == [200, 200]


def _rsa_pem():
    return pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def test_rs256_tokens_verify_with_the_published_jwks_alone(client):
    user = make_user(password=PASSWORD)
    with asymmetric_settings("RS256", _rsa_pem()):
        access = sign_in(client, user)["access"]
        jwks = client.get("/.well-known/jwks.json").json()
        accepted = me(client, access)

    (key,) = jwks["keys"]
    assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
    assert key["kid"] == jwt.get_unverified_header(access)["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    assert verify_with_jwks(access, jwks) == claims_of(access)
    assert accepted.status_code == 200


def test_rs256_public_key_used_as_an_hmac_secret_is_refused(client):
    """Algorithm confusion: HS256 "signed" with the published public key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    user = make_user(password=PASSWORD)
    with asymmetric_settings("RS256", pem(private)):
        access = sign_in(client, user)["access"]
        header = {"alg": "HS256", "typ": "JWT", "kid": jwt.get_unverified_header(access)["kid"]}
        signing_input = f"{b64(header)}.{access.split('.')[1]}"
        mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
        response = me(client, f"{signing_input}.{signature}")

    assert_rejected(response)
