"""Instances' clocks differ by a few seconds: tokens tolerate that much, and no more."""

import time

import jwt
import pytest
from django.conf import settings

from accounts.keys import get_keyring
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis")]

PASSWORD = "correct horse battery"


def access_token(client):
    user = make_user(password=PASSWORD)
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def resigned(token, **claims):
    """``token`` with ``claims`` changed, signed again with the real key under its kid."""
    payload = {**jwt.decode(token, options={"verify_signature": False}), **claims}
    current = get_keyring().current
    return jwt.encode(payload, current.signing_key, algorithm="HS256", headers={"kid": current.kid})


def me(client, token):
    return client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_leeway_is_a_few_seconds():
    assert 1 <= settings.SIMPLE_JWT["LEEWAY"] <= 30


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_token_from_an_instance_whose_clock_runs_three_seconds_ahead_is_accepted(client, claim):
    ahead = int(time.time()) + 3

    response = me(client, resigned(access_token(client), **{claim: ahead}))

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_token_from_further_in_the_future_is_refused(client, claim):
    future = int(time.time()) + settings.SIMPLE_JWT["LEEWAY"] + 60

    response = me(client, resigned(access_token(client), **{claim: future}))

    assert response.status_code == 401


def test_a_token_that_expired_beyond_the_leeway_is_refused(client):
    now = int(time.time())
    expired = now - settings.SIMPLE_JWT["LEEWAY"] - 5

    response = me(client, resigned(access_token(client), iat=expired - 300, exp=expired))

    assert response.status_code == 401
