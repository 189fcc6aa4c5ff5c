import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_user

PASSWORD = "correct horse battery"
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"


@pytest.fixture
def user(db):
    return make_user(email="shopper@example.com", password=PASSWORD)


def csrf_token(client):
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.fixture
def api_tokens(client, user):
    """Sign ``user`` in through the API; returns the token pair."""

    def sign_in(**headers):
        response = client.post(
            "/api/v1/auth/token/",
            {"email": user.email, "password": PASSWORD},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200, response.content
        return response.json()

    return sign_in


def browser_sign_in(user, password=PASSWORD, user_agent=FIREFOX, next_url=None):
    """A CSRF-enforcing test client signed in through the login page."""
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=user_agent)
    browser.get("/accounts/login/")
    path = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    response = browser.post(
        path,
        {"username": user.email, "password": password, "csrfmiddlewaretoken": csrf_token(browser)},
    )
    browser.sign_in_response = response
    return browser


@pytest.fixture
def browser(user):
    signed_in = browser_sign_in(user)
    assert signed_in.sign_in_response.status_code == 302
    return signed_in
