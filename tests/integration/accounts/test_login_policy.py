"""The sign-in policy (accounts/throttling.py) against real Redis: progressive delays per
(e-mail, address), loose ceilings per e-mail and per address that spare addresses the
owner signed in from, and recovery by password reset. Time is the throttle's clock,
moved by the tests instead of slept."""

import threading

import pytest

from accounts.exceptions import LoginThrottled
from accounts.throttling import LoginThrottle
from tests.integration.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OWNER_HOME, ATTACKER, ELSEWHERE = "192.0.2.10", "203.0.113.66", "198.51.100.7"


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(LoginThrottle, "clock", staticmethod(clock))
    return clock


@pytest.fixture
def policy(settings):
    """Small numbers: 2 free failures per pair, delays from 2 s, ceilings of 4."""
    settings.LOGIN_FREE_FAILURES = 2
    settings.LOGIN_DELAY_SECONDS = 2
    settings.LOGIN_MAX_DELAY_SECONDS = 8
    settings.LOGIN_FAILURES_PER_EMAIL = 4
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 3600
    return settings


def sign_in(client, email, password, address):
    return client.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_failures_of_one_pair_wait_longer_and_longer_then_a_success_clears_them(
    client, user, policy, clock
):
    policy.LOGIN_FAILURES_PER_EMAIL = policy.LOGIN_FAILURES_PER_ADDRESS = 100
    statuses = [sign_in(client, user.email, "wrong", ATTACKER).status_code for _ in range(2)]
    delays = []
    for _ in range(4):
        refused = sign_in(client, user.email, "wrong", ATTACKER)
        delays.append(int(refused["Retry-After"]))
        clock.advance(delays[-1])
        assert sign_in(client, user.email, "wrong", ATTACKER).status_code == 401
    waiting = sign_in(client, user.email, PASSWORD, ATTACKER)  # right, but too early
    clock.advance(int(waiting["Retry-After"]))
    right = sign_in(client, user.email, PASSWORD, ATTACKER)
    after = [sign_in(client, user.email, "wrong", ATTACKER).status_code for _ in range(2)]

    assert statuses == [401, 401]
    assert delays == [2, 4, 8, 8]  # doubling, up to LOGIN_MAX_DELAY_SECONDS
    assert waiting.status_code == 429 and "Try again in 8 seconds" in waiting.json()["detail"]
    assert right.status_code == 200
    assert after == [401, 401]  # free failures again


def test_a_pair_in_delay_slows_only_that_address_for_that_email(client, user, policy, clock):
    for _ in range(2):
        sign_in(client, user.email, "wrong", ATTACKER)

    assert sign_in(client, user.email, "wrong", ATTACKER).status_code == 429
    assert sign_in(client, user.email, PASSWORD, OWNER_HOME).status_code == 200
    assert sign_in(client, "someone@example.com", "wrong", ATTACKER).status_code == 401


def test_many_addresses_guessing_close_the_email_but_not_to_where_its_owner_signed_in(
    client, user, policy, clock
):
    assert sign_in(client, user.email, PASSWORD, OWNER_HOME).status_code == 200
    for n in range(4):  # one guess each from four addresses: no pair is delayed
        assert sign_in(client, user.email, "wrong", f"203.0.113.{n}").status_code == 401

    fifth = sign_in(client, user.email, "wrong", "203.0.113.99")
    owner_at_home = sign_in(client, user.email, PASSWORD, OWNER_HOME)
    owner_travelling = sign_in(client, user.email, PASSWORD, ELSEWHERE)

    assert fifth.status_code == 429 and 0 < int(fifth["Retry-After"]) <= 3600
    assert owner_at_home.status_code == 200
    assert owner_travelling.status_code == 429


def test_a_password_reset_clears_the_emails_counters(client, user, policy, clock):
    for n in range(4):
        sign_in(client, user.email, "wrong", f"203.0.113.{n}")
    assert sign_in(client, user.email, PASSWORD, ELSEWHERE).status_code == 429

    LoginThrottle.clear_email(user.email.upper())  # what completing a reset does

    assert sign_in(client, user.email, PASSWORD, ELSEWHERE).status_code == 200


def test_failures_behind_a_shared_address_do_not_lock_out_those_who_signed_in_there(
    client, user, policy, clock
):
    assert sign_in(client, user.email, PASSWORD, ATTACKER).status_code == 200  # the NAT
    for n in range(4):  # someone behind the same NAT tries four accounts
        assert sign_in(client, f"victim{n}@example.com", "x", ATTACKER).status_code == 401

    stranger = sign_in(client, "victim9@example.com", "x", ATTACKER)
    neighbour = sign_in(client, user.email, PASSWORD, ATTACKER)
    elsewhere = sign_in(client, "victim9@example.com", "x", ELSEWHERE)

    assert stranger.status_code == 429
    assert neighbour.status_code == 200
    assert elsewhere.status_code == 401


def test_parallel_guesses_cannot_slip_in_under_the_free_failures(rf, user, policy, clock):
    request = rf.post("/api/v1/auth/token/", REMOTE_ADDR=ATTACKER)
    results, start = [], threading.Barrier(12)

    def guess():
        start.wait()
        try:
            LoginThrottle(request, user.email).attempt()
            results.append("checked")
        except LoginThrottled:
            results.append("refused")

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["checked"] * 2 + ["refused"] * 10


def test_the_login_page_and_the_admin_follow_the_same_policy(client, user, policy, clock):
    for _ in range(2):
        client.post(
            "/accounts/login/", {"username": user.email, "password": "x"}, REMOTE_ADDR=ATTACKER
        )

    page = client.post(
        "/accounts/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )
    admin = client.post(
        "/admin/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )

    assert page.status_code == 429 and page["Retry-After"] == "2"
    assert admin.status_code == 429
