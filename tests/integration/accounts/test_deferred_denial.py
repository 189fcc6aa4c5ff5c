"""The denylist check an identity hands out (``pending_denial`` / ``settle_denial``):
whoever takes it decides, and whoever asks first makes it."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from redis.connection import AbstractConnection
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts import revocation, services
from accounts.authentication import JWTAuthentication
from accounts.identity.bearer import BearerIdentity
from accounts.identity.bridge import BridgeIdentity
from accounts.identity.cookies import JWTCookieIdentity
from accounts.identity.session import SessionIdentity
from accounts.tokens import AccessToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(user):
    return services.sign_in_create(user=user)


def cookie_request(pair, *, refresh=True):
    request = RequestFactory().get("/cart/")
    request.COOKIES[settings.AUTH_ACCESS_COOKIE] = pair.access
    if refresh:
        request.COOKIES[settings.AUTH_REFRESH_COOKIE] = pair.refresh
    request.identity = JWTCookieIdentity(request)
    return request


@pytest.fixture
def sends(monkeypatch):
    """How many times anything is sent to Redis."""
    sent = []
    original = AbstractConnection.send_packed_command

    def send_packed_command(connection, command, check_health=True):
        sent.append(command)
        return original(connection, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send_packed_command)
    return sent


def test_a_valid_access_cookie_hands_out_its_check_with_the_claimed_user(user, pair, sends):
    identity = cookie_request(pair).identity

    pending = identity.pending_denial()

    jti = AccessToken(pair.access)["jti"]
    assert (pending.alias, pending.key, pending.user_id) == ("default", f"auth:deny:{jti}", user.pk)
    assert sends == []  # the signature is checked in CPU


def test_a_check_answered_not_denied_signs_the_request_in_with_no_lookup(user, pair, sends):
    identity = cookie_request(pair).identity
    identity.pending_denial()

    identity.settle_denial(False)

    assert identity.user_id == user.pk and identity.pending_denial() is None
    assert sends == []


def test_a_check_answered_denied_is_a_revoked_cookie_as_ever(user, pair):
    identity = cookie_request(pair).identity
    identity.pending_denial()
    services.user_revoke_all(user_id=user.pk)  # the refresh cookie is dead too

    identity.settle_denial(True)

    assert identity.user_id is None
    response = HttpResponse()
    identity.update(response)
    assert response.cookies[settings.AUTH_ACCESS_COOKIE].value == ""  # dropped


def test_a_denied_access_cookie_with_a_good_refresh_cookie_is_rotated(user, pair):
    identity = cookie_request(pair).identity
    identity.pending_denial()

    identity.settle_denial(True)  # e.g. denied alone: the refresh cookie still works

    assert identity.user_id == user.pk
    assert identity._new_pair is not None  # a new pair goes out


def test_asking_while_the_check_is_pending_makes_it(user, pair):
    identity = cookie_request(pair, refresh=False).identity
    assert identity.pending_denial() is not None
    revocation.deny_sign_ins([AccessToken(pair.refresh, verify=False)["sid"]])

    assert identity.user_id is None  # looked itself, found it denied
    assert identity.pending_denial() is None


def test_an_expired_or_missing_access_cookie_hands_out_nothing(pair):
    request = RequestFactory().get("/")
    request.identity = JWTCookieIdentity(request)
    junk = cookie_request(pair)
    junk.COOKIES[settings.AUTH_ACCESS_COOKIE] = "junk"
    junk.identity = JWTCookieIdentity(junk)

    assert request.identity.pending_denial() is None
    assert junk.identity.pending_denial() is None


def test_sessions_and_the_bridge_never_hand_out_a_check(pair):
    request = cookie_request(pair)
    request.session = SessionStore()

    assert SessionIdentity(request).pending_denial() is None
    assert BridgeIdentity(request).pending_denial() is None


def test_bearer_authentication_checks_the_denylist_only_when_asked(user, pair, sends):
    request = RequestFactory().get("/api/v1/cart/", HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    request.identity = JWTCookieIdentity(request)

    lazy_user, _ = JWTAuthentication().authenticate(Request(request))

    assert sends == []
    assert request.identity.pending_denial().user_id == user.pk
    assert lazy_user.id == user.pk and lazy_user.is_authenticated
    assert len(sends) == 1  # the EXISTS, made by the first question
    assert request.identity.pending_denial() is None


def test_a_denied_bearer_token_is_a_401_at_every_question_and_anonymous_after(user, pair):
    request = RequestFactory().get("/api/v1/cart/")
    request.identity = JWTCookieIdentity(request)
    identity = BearerIdentity(
        request, AccessToken(pair.access), displaced=request.identity, checked=False
    )

    identity.settle_denial(True)

    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            _ = identity.user_id
    assert not request.user.is_authenticated  # what the request log reads
