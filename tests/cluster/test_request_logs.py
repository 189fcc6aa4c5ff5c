"""Request ids from nginx to the log line, and logs that never carry a secret."""

import json
import re

import pytest
import requests

from tests.factories import ADDRESS, APP_HASHER, make_product, make_user

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def _request_lines(log):
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("logger") == "shop.requests":
                lines.append(record)
    return lines


def test_nginx_gives_every_request_an_id_that_the_app_echoes_and_logs(start_cluster, tmp_path):
    make_product(slug="sencha")
    log = tmp_path / "instances.log"
    cluster = start_cluster(instances=2, workers=1, log=log)

    generated = requests.get(f"{cluster.url}/products/sencha/", timeout=TIMEOUT)
    given = requests.get(
        f"{cluster.url}/api/v1/products/sencha/",
        headers={"X-Request-ID": "trace-4bf92f3577b34da6"},
        timeout=TIMEOUT,
    )
    refused = requests.get(
        f"{cluster.url}/", headers={"X-Request-ID": "<script>alert(1)</script>"}, timeout=TIMEOUT
    )
    missing = requests.get(f"{cluster.url}/no-such-page/", timeout=TIMEOUT)

    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["X-Request-ID"])  # nginx's own
    assert given.headers["X-Request-ID"] == "trace-4bf92f3577b34da6"
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-ID"])
    by_id = {line["request_id"]: line for line in _request_lines(log)}
    page = by_id[generated.headers["X-Request-ID"]]
    assert page["route"] == "products/<slug:slug>/" and page["path"] == "/products/sencha/"
    assert (page["method"], page["status"], page["user_id"]) == ("GET", 200, None)
    assert page["instance"] in {f"127.0.0.1:{i.port}" for i in cluster.instances}
    assert isinstance(page["duration_ms"], float) and page["duration_ms"] >= 0
    assert page["worker"] == int(generated.headers["X-Served-By"].rsplit(":", 1)[1])
    assert by_id["trace-4bf92f3577b34da6"]["route"] == "api/v1/products/<slug:slug>/"
    assert by_id[refused.headers["X-Request-ID"]]["route"] == ""
    assert by_id[missing.headers["X-Request-ID"]]["status"] == 404
    assert by_id[missing.headers["X-Request-ID"]]["route"] == "unmatched"
    assert "<script>" not in log.read_text()


def test_a_shopping_journey_logs_user_ids_and_no_secret(start_cluster, tmp_path):
    product = make_product(stock=5)
    password = "correct horse battery staple 42"
    user = make_user(password=password, hasher=APP_HASHER)
    log = tmp_path / "instances.log"
    cluster = start_cluster(instances=2, workers=1, log=log)
    secrets = {password, "wrong password 123"}

    with requests.Session() as api:
        refused = api.post(
            f"{cluster.url}/api/v1/auth/token/",
            json={"email": user.email, "password": "wrong password 123"},
            timeout=TIMEOUT,
        )
        pair = api.post(
            f"{cluster.url}/api/v1/auth/token/",
            json={"email": user.email, "password": password},
            timeout=TIMEOUT,
        ).json()
        api.headers["Authorization"] = f"Bearer {pair['access']}"
        added = api.post(
            f"{cluster.url}/api/v1/cart/items/",
            json={"product_id": product.pk, "quantity": 2},
            headers={"Idempotency-Key": "add-key-5d1c9e"},
            timeout=TIMEOUT,
        )
        order = api.post(
            f"{cluster.url}/api/v1/checkout/",
            json={"shipping_address": ADDRESS},
            headers={"Idempotency-Key": "checkout-key-77a0b3"},
            timeout=TIMEOUT,
        )
        refreshed = api.post(
            f"{cluster.url}/api/v1/auth/token/refresh/",
            json={"refresh": pair["refresh"]},
            timeout=TIMEOUT,
        ).json()
        secrets |= {pair["access"], pair["refresh"], refreshed["access"], refreshed["refresh"]}

    with requests.Session() as browser:  # the same shopper in a browser, with cookies
        browser.get(f"{cluster.url}/accounts/login/", timeout=TIMEOUT)
        csrf = browser.cookies["csrftoken"]
        signed_in = browser.post(
            f"{cluster.url}/accounts/login/",
            data={"username": user.email, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{cluster.url}/accounts/login/"},
            timeout=TIMEOUT,
        )
        account = browser.get(f"{cluster.url}/accounts/", timeout=TIMEOUT)
        browser.post(
            f"{cluster.url}/cart/add/",
            data={"product_id": product.pk, "quantity": 1, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{cluster.url}/"},
            timeout=TIMEOUT,
        )
        secrets |= {cookie.value for cookie in browser.cookies if len(cookie.value) >= 8}

    assert refused.status_code == 401 and added.status_code == 200
    assert order.status_code == 201 and signed_in.status_code == 200
    assert user.email in account.text
    text = log.read_text()
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
    assert "Bearer" not in text and "csrfmiddlewaretoken" not in text
    lines = _request_lines(log)
    checkout = next(line for line in lines if line["route"] == "api/v1/checkout/")
    assert (checkout["status"], checkout["user_id"]) == (201, user.pk)
    assert any(line["route"] == "accounts/" and line["user_id"] == user.pk for line in lines)
