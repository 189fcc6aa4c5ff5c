"""Identity across real instances and workers: rotation races, revocation, throttling.

Every instance shares only PostgreSQL and Redis; these tests prove that is enough for a
sign-in to behave as one thing whichever process answers (DESIGN §4 and §5).
"""

import os
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.factories import APP_HASHER, make_user

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TIMEOUT = 10


@pytest.fixture
def shopper():
    return make_user(password=PASSWORD, hasher=APP_HASHER)


@pytest.fixture
def two_instances(start_instance):
    """Start two instances (no nginx) with ``env``; returns their base URLs."""

    def start(env=None, workers=1):
        return [f"http://127.0.0.1:{start_instance(env=env, workers=workers)[0]}" for _ in range(2)]

    return start


def api_sign_in(base, user, password=PASSWORD):
    response = requests.post(
        f"{base}/api/v1/auth/token/",
        json={"email": user.email, "password": password},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text[:500]
    return response.json()


def refresh(base, raw_refresh):
    return requests.post(
        f"{base}/api/v1/auth/token/refresh/", json={"refresh": raw_refresh}, timeout=TIMEOUT
    )


def me(base, access):
    return requests.get(
        f"{base}/api/v1/auth/me/", headers={"Authorization": f"Bearer {access}"}, timeout=TIMEOUT
    )


def parent_pid(pid):
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def browser_sign_in(base, user, password=PASSWORD):
    """A ``requests.Session`` signed in through the login page at ``base``."""
    browser = requests.Session()
    login_url = f"{base}/accounts/login/"
    browser.get(login_url, timeout=TIMEOUT)
    response = browser.post(
        login_url,
        data={
            "username": user.email,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, response.text[:500]
    assert "shop_access" in browser.cookies and "shop_refresh" in browser.cookies
    return browser


def test_racing_refreshes_on_two_instances_get_the_same_pair_and_stay_signed_in(
    two_instances, shopper
):
    first, second = two_instances(workers=1)
    pair = api_sign_in(first, shopper)
    barrier = threading.Barrier(2)

    def refresh_at_once(base):
        barrier.wait(timeout=TIMEOUT)
        return refresh(base, pair["refresh"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(refresh_at_once, [first, second]))

    assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
    successor = answers[0].json()
    assert answers[1].json() == successor
    assert successor != pair
    assert me(first, successor["access"]).status_code == 200
    assert me(second, successor["access"]).json()["email"] == shopper.email
    assert refresh(second, successor["refresh"]).status_code == 200


def test_a_rotated_refresh_token_replayed_after_the_grace_window_ends_every_sign_in(
    two_instances, shopper
):
    first, second = two_instances(env={"JWT_REFRESH_GRACE_SECONDS": "1"})
    pair = api_sign_in(first, shopper)
    rotated = refresh(first, pair["refresh"])
    assert rotated.status_code == 200
    successor = rotated.json()
    time.sleep(2)  # the grace window (1 s) has passed

    replay = refresh(second, pair["refresh"])

    assert replay.status_code == 401
    assert refresh(first, successor["refresh"]).status_code == 401
    assert me(first, successor["access"]).status_code == 401
    assert me(second, successor["access"]).status_code == 401


def test_logout_on_one_instance_kills_the_access_token_on_the_other_at_once(two_instances, shopper):
    first, second = two_instances()
    pair = api_sign_in(first, shopper)
    assert me(second, pair["access"]).status_code == 200

    logout = requests.post(
        f"{first}/api/v1/auth/logout/", json={"refresh": pair["refresh"]}, timeout=TIMEOUT
    )

    assert logout.status_code == 204
    assert me(second, pair["access"]).status_code == 401


def test_failed_sign_ins_are_counted_across_instances(two_instances, shopper):
    first, second = two_instances(env={"LOGIN_FAILURES_PER_EMAIL": "3"})
    wrong = {"email": shopper.email, "password": "not the password"}
    right = {"email": shopper.email, "password": PASSWORD}

    failures = [
        requests.post(f"{base}/api/v1/auth/token/", json=wrong, timeout=TIMEOUT)
        for base in (first, second, first)
    ]
    blocked = [
        requests.post(f"{base}/api/v1/auth/token/", json=right, timeout=TIMEOUT)
        for base in (second, first)
    ]

    assert [f.status_code for f in failures] == [401, 401, 401]
    assert [b.status_code for b in blocked] == [429, 429]
    for response in blocked:
        assert re.fullmatch(r"\d+", response.headers["Retry-After"])
        assert 0 < int(response.headers["Retry-After"]) <= 3600  # LOGIN_FAILURE_WINDOW_SECONDS


def test_an_expired_access_cookie_is_rotated_by_whichever_worker_answers(start_cluster, shopper):
    cluster = start_cluster(
        instances=2, workers=2, env={"JWT_ACCESS_LIFETIME": "1", "JWT_LEEWAY_SECONDS": "0"}
    )
    browser = browser_sign_in(cluster.url, shopper)
    time.sleep(2.5)  # the access cookie (1 s) has expired; the refresh cookie has not

    with browser:
        pages = [
            browser.get(f"{cluster.url}/accounts/", allow_redirects=False, timeout=TIMEOUT)
            for _ in range(8)
        ]

    assert [p.status_code for p in pages] == [200] * 8, [p.headers.get("Location") for p in pages]
    assert all(shopper.email in p.text for p in pages)
    assert any("shop_access=" in p.headers.get("Set-Cookie", "") for p in pages)
    assert len({p.headers["X-Served-By"] for p in pages}) >= 2


def test_a_worker_killed_mid_journey_leaves_the_shopper_signed_in(start_cluster, shopper):
    cluster = start_cluster(instances=2, workers=2)
    browser = browser_sign_in(cluster.url, shopper)
    page = browser.get(f"{cluster.url}/accounts/", allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200
    victim = int(page.headers["X-Served-By"].rsplit(":", 1)[1])
    assert parent_pid(victim) in {p.pid for p in cluster.instances}  # one of our workers

    os.kill(victim, signal.SIGKILL)
    with browser:
        pages = [
            browser.get(f"{cluster.url}/accounts/", allow_redirects=False, timeout=TIMEOUT)
            for _ in range(10)
        ]

    assert [p.status_code for p in pages] == [200] * 10
    assert all(shopper.email in p.text for p in pages)
    assert all(p.headers["X-Served-By"] != page.headers["X-Served-By"] for p in pages)
