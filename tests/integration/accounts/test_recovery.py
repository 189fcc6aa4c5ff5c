"""Account recovery end to end, through the pages and the API, with the tests' e-mail
backend: a password reset (neutral for unknown addresses, every sign-in ended, the
e-mail's sign-in counters cleared) and an e-mail change confirmed from the new address."""

import re

import pytest
from django.test import Client

from accounts import services
from accounts.throttling import LoginThrottle
from tests.factories import make_user
from tests.integration.accounts.conftest import PASSWORD, browser_sign_in, csrf_token

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase"
RESET_LINK = re.compile(r"https?://testserver(/accounts/password/reset/([^/]+)/([^/]+)/)")
EMAIL_LINK = re.compile(r"https?://testserver(/accounts/email/confirm/([^/\s]+)/)")


def post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


def sign_in(client, email, password):
    return post(client, "/api/v1/auth/token/", {"email": email, "password": password})


def only_link(mailoutbox, pattern, to):
    (message,) = mailoutbox
    assert message.to == [to]
    return pattern.search(message.body)


# --- Password reset through the API -------------------------------------------------------


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, user, mailoutbox):
    unknown = post(client, "/api/v1/auth/password/reset/", {"email": "nobody@example.com"})
    known = post(client, "/api/v1/auth/password/reset/", {"email": user.email.upper()})

    assert unknown.status_code == known.status_code == 202
    assert unknown.content == known.content
    assert [m.to for m in mailoutbox] == [[user.email]]


def test_a_reset_through_the_api_ends_every_sign_in_and_the_new_password_works(
    client, user, api_tokens, mailoutbox
):
    pair = api_tokens()
    post(client, "/api/v1/auth/password/reset/", {"email": user.email})
    _, uid, token = only_link(mailoutbox, RESET_LINK, user.email).groups()

    weak = post(
        client,
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "123"},
    )
    done = post(
        client,
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
    )
    again = post(
        client,
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "another new passphrase"},
    )

    assert weak.status_code == 400 and "new_password" in weak.json()["errors"]
    assert done.status_code == 204
    assert again.status_code == 400 and "token" in again.json()["errors"]  # used once
    me = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert me.status_code == 401
    assert post(client, "/api/v1/auth/token/refresh/", pair).status_code == 401
    assert sign_in(client, user.email, PASSWORD).status_code == 401
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"uid": "MQ", "token": "forged-token", "new_password": NEW_PASSWORD},
        {"uid": "!!", "token": "x", "new_password": NEW_PASSWORD},
        {"uid": "OTk5OTk5", "token": "x", "new_password": NEW_PASSWORD},
        {"uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "token": "x", "new_password": NEW_PASSWORD},
        {"uid": "LTE", "token": "x", "new_password": NEW_PASSWORD},
        {"uid": "_w", "token": "x", "new_password": NEW_PASSWORD},
    ],
)
def test_a_forged_reset_link_is_a_400(client, user, body):
    response = post(client, "/api/v1/auth/password/reset/confirm/", body)

    assert response.status_code == 400 and "token" in response.json()["errors"]


def test_an_inactive_account_gets_no_reset_mail(client, mailoutbox):
    inactive = make_user(is_active=False)

    response = post(client, "/api/v1/auth/password/reset/", {"email": inactive.email})

    assert response.status_code == 202 and mailoutbox == []


def test_a_reset_lets_an_owner_locked_out_by_strangers_back_in(client, user, settings, mailoutbox):
    settings.LOGIN_FAILURES_PER_EMAIL = 3
    for n in range(3):
        post(
            client,
            "/api/v1/auth/token/",
            {"email": user.email, "password": "guess"},
            REMOTE_ADDR=f"203.0.113.{n}",
        )
    assert sign_in(client, user.email, PASSWORD).status_code == 429

    post(client, "/api/v1/auth/password/reset/", {"email": user.email})
    _, uid, token = only_link(mailoutbox, RESET_LINK, user.email).groups()
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert post(client, "/api/v1/auth/password/reset/confirm/", body).status_code == 204

    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 200


def test_reset_mails_are_limited_per_address_asked_for(client, user, settings, mailoutbox):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "password_reset_email": "2/hour",
        },
    }
    answers = [
        post(client, "/api/v1/auth/password/reset/", {"email": user.email}, REMOTE_ADDR=address)
        for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3")
    ]
    page = Client().post("/accounts/password/reset/", {"email": user.email})

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert page.status_code == 429
    assert len(mailoutbox) == 2


# --- Password reset through the pages -----------------------------------------------------


def test_a_reset_through_the_pages_signs_out_every_browser(user, browser, mailoutbox):
    forgetful = Client(enforce_csrf_checks=True)
    forgetful.get("/accounts/login/")
    asked = forgetful.post(
        "/accounts/password/reset/",
        {"email": user.email, "csrfmiddlewaretoken": csrf_token(forgetful)},
    )
    path, _, _ = only_link(mailoutbox, RESET_LINK, user.email).groups()

    form = forgetful.get(path)
    done = forgetful.post(
        path,
        {
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "csrfmiddlewaretoken": csrf_token(forgetful),
        },
    )
    login_page = forgetful.get(done["Location"])

    assert asked.status_code == 302 and asked["Location"] == "/accounts/password/reset/sent/"
    assert "is on its way" in forgetful.get(asked["Location"]).content.decode()
    assert form.status_code == 200 and form["Referrer-Policy"] == "no-referrer"
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert "every device is signed out" in login_page.content.decode()
    assert browser.get("/accounts/").status_code == 302  # the other browser: signed out
    assert browser_sign_in(user, password=NEW_PASSWORD).sign_in_response.status_code == 302


def test_a_used_or_forged_link_shows_the_no_longer_works_page(user, client, mailoutbox):
    client.post("/accounts/password/reset/", {"email": user.email})
    path, _, _ = only_link(mailoutbox, RESET_LINK, user.email).groups()
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    used = client.get(path)
    forged = client.get("/accounts/password/reset/MQ/forged/")

    for response in (used, forged):
        assert response.status_code == 400
        assert "This link no longer works" in response.content.decode()


def test_the_login_page_links_to_the_reset(client):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()


# --- E-mail change ------------------------------------------------------------------------


def test_an_email_change_applies_only_when_the_link_to_the_new_address_is_opened(
    user, browser, mailoutbox
):
    old_email, new_email = user.email, "ada.new@example.com"
    asked = browser.post(
        "/accounts/email/",
        {"new_email": new_email, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(browser)},
    )
    user.refresh_from_db()
    assert asked.status_code == 302 and user.email == old_email  # nothing changed yet
    path, _ = only_link(mailoutbox, EMAIL_LINK, new_email).groups()

    mailbox = Client(enforce_csrf_checks=True)  # opened wherever the new mail is read
    shown = mailbox.get(path)
    user.refresh_from_db()
    assert user.email == old_email  # opening shows what will change and asks
    confirmed = mailbox.post(path, {"csrfmiddlewaretoken": csrf_token(mailbox)})
    again = mailbox.get(path)

    user.refresh_from_db()
    assert shown.status_code == 200 and new_email in shown.content.decode()
    assert shown["Referrer-Policy"] == "no-referrer"
    assert confirmed.status_code == 302 and user.email == new_email
    assert again.status_code == 400  # the link worked once
    notice = mailoutbox[1]
    assert notice.to == [old_email] and new_email in notice.body
    api = Client()
    assert sign_in(api, old_email, PASSWORD).status_code == 401
    assert sign_in(api, new_email, PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"new_email": "x@example.com", "password": "not it"}, "not your current password"),
        ({"new_email": "taken@example.com", "password": PASSWORD}, "already exists"),
        ({"new_email": "SHOPPER@example.com", "password": PASSWORD}, "already your"),
        ({"new_email": "not an address", "password": PASSWORD}, "valid email"),
    ],
)
def test_an_email_change_that_cannot_be_asked_for_says_why(user, browser, mailoutbox, body, error):
    make_user(email="taken@example.com")

    response = browser.post(
        "/accounts/email/", {**body, "csrfmiddlewaretoken": csrf_token(browser)}
    )

    assert response.status_code == 400 and error in response.content.decode()
    assert mailoutbox == []


def test_an_email_change_through_the_api(client, user, mailoutbox):
    access = services.sign_in_create(user=user).access
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access}"}

    anonymous = post(
        client, "/api/v1/auth/email/", {"new_email": "a@example.com", "password": PASSWORD}
    )
    asked = post(
        client,
        "/api/v1/auth/email/",
        {"new_email": "ada.api@example.com", "password": PASSWORD},
        **bearer,
    )
    _, token = only_link(mailoutbox, EMAIL_LINK, "ada.api@example.com").groups()
    junk = post(client, "/api/v1/auth/email/confirm/", {"token": token[:-2] + "xx"})
    confirmed = post(client, "/api/v1/auth/email/confirm/", {"token": token})
    replayed = post(client, "/api/v1/auth/email/confirm/", {"token": token})

    user.refresh_from_db()
    assert anonymous.status_code == 401
    assert asked.status_code == 202
    assert junk.status_code == 400 and "token" in junk.json()["errors"]
    assert confirmed.status_code == 204 and user.email == "ada.api@example.com"
    assert replayed.status_code == 400


def test_a_new_address_taken_before_the_link_is_opened_is_refused(client, user, mailoutbox):
    access = services.sign_in_create(user=user).access
    post(
        client,
        "/api/v1/auth/email/",
        {"new_email": "wanted@example.com", "password": PASSWORD},
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    _, token = only_link(mailoutbox, EMAIL_LINK, "wanted@example.com").groups()
    make_user(email="Wanted@example.com")

    response = post(client, "/api/v1/auth/email/confirm/", {"token": token})

    assert response.status_code == 400 and "new_email" in response.json()["errors"]
    user.refresh_from_db()
    assert user.email == "shopper@example.com"


def test_an_expired_email_change_link_is_refused(client, user, settings, mailoutbox):
    access = services.sign_in_create(user=user).access
    post(
        client,
        "/api/v1/auth/email/",
        {"new_email": "late@example.com", "password": PASSWORD},
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    _, token = only_link(mailoutbox, EMAIL_LINK, "late@example.com").groups()
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is older than that

    assert post(client, "/api/v1/auth/email/confirm/", {"token": token}).status_code == 400


def test_the_recovery_endpoints_are_in_the_schema(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    reset = paths["/api/v1/auth/password/reset/"]["post"]["responses"]
    confirm = paths["/api/v1/auth/password/reset/confirm/"]["post"]["responses"]
    assert {"202", "429"} <= set(reset) and {"204", "400", "429"} <= set(confirm)
    assert "/api/v1/auth/email/" in paths and "/api/v1/auth/email/confirm/" in paths


def test_a_cleared_email_has_no_counters_left(user, rf, settings):
    settings.LOGIN_FAILURES_PER_EMAIL = 1
    request = rf.post("/", REMOTE_ADDR="203.0.113.1")
    LoginThrottle(request, user.email).attempt()

    LoginThrottle.clear_email(user.email)

    LoginThrottle(rf.post("/", REMOTE_ADDR="203.0.113.2"), user.email).attempt()  # no 429
