"""The auth API of DESIGN §4 against real PostgreSQL and Redis."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in

from accounts.models import SignIn
from tests.integration.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


def _me(client, access):
    return client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_register_then_token_then_me(client):
    registered = _post(
        client, "/api/v1/auth/register/", {"email": "New@Example.com", "password": PASSWORD}
    )
    tokens = _post(
        client, "/api/v1/auth/token/", {"email": "new@example.com", "password": PASSWORD}
    )
    me = _me(client, tokens.json()["access"])

    assert registered.status_code == 201
    assert registered.json() == {"id": registered.json()["id"], "email": "New@example.com"}
    assert tokens.status_code == 200 and set(tokens.json()) == {"access", "refresh"}
    assert me.status_code == 200
    assert me.json() == registered.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "shopper@example.com", "password": PASSWORD}, "email"),
        ({"email": "SHOPPER@example.com", "password": PASSWORD}, "email"),
        ({"email": "weak@example.com", "password": "123"}, "password"),
        ({"email": "weak@example.com", "password": "password"}, "password"),
        ({"email": "weak@example.com", "password": "weak@example.com"}, "password"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "x@example.com"}, "password"),
        ({"email": "x@example.com", "password": 12345678901234}, "password"),
    ],
)
def test_register_refuses_taken_emails_and_weak_passwords(client, user, body, field):
    response = _post(client, "/api/v1/auth/register/", body)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert get_user_model().objects.count() == 1


def test_register_accepts_only_json(client):
    response = client.post(
        "/api/v1/auth/register/", {"email": "form@example.com", "password": PASSWORD}
    )

    assert response.status_code == 415
    assert not get_user_model().objects.filter(email="form@example.com").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"email": "shopper@example.com", "password": "wrong password"},
        {"email": "nobody@example.com", "password": PASSWORD},
    ],
)
def test_wrong_credentials_are_401(client, user, body):
    response = _post(client, "/api/v1/auth/token/", body)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Wrong e-mail address or password.",
        "code": "authentication_failed",
    }
    assert not SignIn.objects.exists()


def test_an_inactive_user_cannot_sign_in(client, user):
    user.is_active = False
    user.save()

    assert (
        _post(
            client, "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}
        ).status_code
        == 401
    )


def test_me_without_a_token_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/auth/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_refresh_rotates_and_the_old_refresh_dies(client, api_tokens):
    first = api_tokens()

    rotated = _post(client, "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    pair = rotated.json()

    assert rotated.status_code == 200
    assert pair["refresh"] != first["refresh"] and pair["access"] != first["access"]
    assert _me(client, pair["access"]).status_code == 200
    # Within the grace window the old token gets the same successor back...
    again = _post(client, "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    assert again.status_code == 200 and again.json() == pair


def test_an_old_refresh_after_the_grace_window_is_401_and_ends_every_sign_in(
    client, api_tokens, settings, redis
):
    phone, laptop = api_tokens(), api_tokens()
    rotated = _post(client, "/api/v1/auth/token/refresh/", {"refresh": phone["refresh"]}).json()
    redis.delete(*redis.keys("auth:successor:*"))  # the grace window has passed

    replay = _post(client, "/api/v1/auth/token/refresh/", {"refresh": phone["refresh"]})

    assert replay.status_code == 401
    for pair in (rotated, laptop):
        assert _me(client, pair["access"]).status_code == 401
        refresh = _post(client, "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
        assert refresh.status_code == 401
    assert not SignIn.objects.filter(revoked_at__isnull=True).exists()


def test_logout_kills_the_refresh_and_access_tokens_of_that_sign_in_only(client, api_tokens):
    this, other = api_tokens(), api_tokens()

    response = _post(client, "/api/v1/auth/logout/", {"refresh": this["refresh"]})

    assert response.status_code == 204
    assert _me(client, this["access"]).status_code == 401
    assert (
        _post(client, "/api/v1/auth/token/refresh/", {"refresh": this["refresh"]}).status_code
        == 401
    )
    assert _me(client, other["access"]).status_code == 200
    assert (
        _post(client, "/api/v1/auth/token/refresh/", {"refresh": other["refresh"]}).status_code
        == 200
    )


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": "not.a.token"}, {"refresh": 5}])
def test_refresh_and_logout_with_junk_are_4xx(client, body):
    for path in ("/api/v1/auth/token/refresh/", "/api/v1/auth/logout/"):
        response = _post(client, path, body)
        assert response.status_code in (400, 401)
        assert response.json()["detail"]


def test_an_access_token_is_not_a_refresh_token(client, api_tokens):
    pair = api_tokens()

    response = _post(client, "/api/v1/auth/token/refresh/", {"refresh": pair["access"]})

    assert response.status_code == 401


def test_sign_in_announces_itself_with_the_request_for_the_cart_merge(client, api_tokens):
    seen = []

    def receiver(sender, request, user, **kwargs):
        seen.append((user.email, request.headers.get("X-Cart-Token")))

    user_logged_in.connect(receiver)
    try:
        api_tokens(HTTP_X_CART_TOKEN="guest-cart-token")
    finally:
        user_logged_in.disconnect(receiver)

    assert seen == [("shopper@example.com", "guest-cart-token")]


def test_password_change_ends_every_sign_in(client, user, api_tokens):
    pairs = [api_tokens(), api_tokens()]

    user.set_password("a brand new passphrase")
    user.save()

    for pair in pairs:
        assert _me(client, pair["access"]).status_code == 401
        refresh = _post(client, "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
        assert refresh.status_code == 401


def test_deleting_a_user_kills_their_access_tokens(client, user, api_tokens):
    pair = api_tokens()

    user.delete()

    assert _me(client, pair["access"]).status_code == 401


def test_login_failures_are_throttled_per_email(client, user, settings):
    settings.LOGIN_FAILURES_PER_EMAIL = 3
    wrong = {"email": user.email, "password": "wrong password"}

    statuses = [_post(client, "/api/v1/auth/token/", wrong).status_code for _ in range(3)]
    blocked = _post(client, "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    other = _post(client, "/api/v1/auth/token/", {"email": "other@example.com", "password": "x"})

    assert statuses == [401, 401, 401]
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert "Too many failed sign-in attempts" in blocked.json()["detail"]
    assert other.status_code == 401  # another address is not blocked by this one


def test_login_failures_are_throttled_per_client_address(client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for i in range(4):
        body = {"email": f"guess{i}@example.com", "password": "x"}
        assert (
            _post(client, "/api/v1/auth/token/", body, REMOTE_ADDR="203.0.113.9").status_code == 401
        )

    blocked = _post(
        client,
        "/api/v1/auth/token/",
        {"email": "guess9@example.com", "password": "x"},
        REMOTE_ADDR="203.0.113.9",
    )
    elsewhere = _post(
        client,
        "/api/v1/auth/token/",
        {"email": "guess9@example.com", "password": "x"},
        REMOTE_ADDR="198.51.100.7",
    )

    assert blocked.status_code == 429
    assert elsewhere.status_code == 401


def test_a_successful_sign_in_forgives_earlier_failures_of_that_email(client, user, settings):
    settings.LOGIN_FAILURES_PER_EMAIL = 3
    wrong = {"email": user.email, "password": "wrong password"}
    right = {"email": user.email, "password": PASSWORD}

    for _ in range(2):
        _post(client, "/api/v1/auth/token/", wrong)
    assert _post(client, "/api/v1/auth/token/", right).status_code == 200
    statuses = [_post(client, "/api/v1/auth/token/", wrong).status_code for _ in range(2)]

    assert statuses == [401, 401]


def test_redis_down_makes_identity_a_503_not_a_500(client, api_tokens, settings):
    pair = api_tokens()
    dead = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/15"},
    }
    settings.CACHES = dead

    me = _me(client, pair["access"])
    login = _post(client, "/api/v1/auth/token/", {"email": "a@example.com", "password": "x"})
    catalog = client.get("/api/v1/products/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    assert me.status_code == 503 and me.json()["code"] == "service_unavailable"
    assert login.status_code == 503
    assert catalog.status_code == 200


def test_a_rotated_token_replayed_in_the_window_after_logout_is_refused(client, api_tokens):
    first = api_tokens()
    rotated = _post(client, "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]}).json()
    _post(client, "/api/v1/auth/logout/", {"refresh": rotated["refresh"]})

    replay = _post(client, "/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})

    assert replay.status_code == 401
