"""The identity interface where it needs no store: anonymous requests, Bearer tokens,
cookies that cannot be tokens, and the DRF authenticators' "not my credential"."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.authentication import IdentityAuthentication, JWTAuthentication, RequestUser
from accounts.identity.bearer import BearerIdentity
from accounts.identity.cookies import JWTCookieIdentity
from accounts.tokens import AccessToken


def _request(cookies=None, **headers):
    request = RequestFactory().get("/api/v1/cart/", headers=headers)
    request.COOKIES.update(cookies or {})
    request.identity = JWTCookieIdentity(request)
    return request


def _access(user_id):
    token = AccessToken()
    token["sub"] = str(user_id)
    return token


def test_a_request_without_identity_cookies_is_anonymous_and_writes_nothing():
    identity = _request().identity
    response = HttpResponse()

    identity.update(response)

    assert identity.user_id is None and identity.sign_in_id is None
    assert not identity.get_user().is_authenticated
    assert identity.carried_by_cookie
    assert not response.cookies


def test_cookies_that_are_not_our_tokens_are_dropped_on_the_response():
    cookies = {settings.AUTH_ACCESS_COOKIE: "junk", settings.AUTH_REFRESH_COOKIE: "junk"}
    identity = _request(cookies).identity
    response = HttpResponse()

    assert identity.user_id is None and identity.sign_in_id is None
    identity.update(response)

    for name in (settings.AUTH_ACCESS_COOKIE, settings.AUTH_REFRESH_COOKIE):
        assert response.cookies[name].value == ""  # deleted


def test_a_bearer_identity_is_the_tokens_user_and_rides_in_no_cookie():
    request = _request()
    displaced = request.identity
    identity = BearerIdentity(request, _access(42), displaced=displaced)

    assert identity.user_id == 42 and not identity.carried_by_cookie
    assert identity.sign_in_id is None
    with pytest.raises(NotImplementedError, match="/api/v1/auth/token/"):
        identity.sign_in(None)


def test_a_bearer_identity_still_writes_what_the_displaced_one_changed():
    request = _request({settings.AUTH_REFRESH_COOKIE: "junk"})
    displaced = request.identity
    assert displaced.user_id is None  # resolved before DRF ran: the cookie is to be dropped
    response = HttpResponse()

    BearerIdentity(request, _access(1), displaced=displaced).update(response)

    assert response.cookies[settings.AUTH_REFRESH_COOKIE].value == ""


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Token abc"])
def test_jwt_authentication_leaves_other_credentials_alone(header):
    headers = {"Authorization": header} if header else {}

    assert JWTAuthentication().authenticate(Request(_request(**headers))) is None


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not-a-jwt"])
def test_a_bad_bearer_header_is_refused(header):
    with pytest.raises(AuthenticationFailed):
        JWTAuthentication().authenticate(Request(_request(Authorization=header)))


def test_identity_authentication_is_none_for_anonymous_or_header_credentials():
    assert IdentityAuthentication().authenticate(Request(_request())) is None
    with_header = Request(_request(Authorization="Basic dXNlcjpwYXNz"))
    assert IdentityAuthentication().authenticate(with_header) is None


def test_the_api_user_is_known_by_id_alone():
    user = RequestUser(9)

    assert (user.id, user.pk, user.is_authenticated, user.is_anonymous) == (9, 9, True, False)
