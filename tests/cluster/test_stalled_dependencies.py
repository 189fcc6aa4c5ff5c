"""A dependency that stops answering costs a quick 503, never a hung worker (issue 13 §5).

Each test puts a StallProxy between a real gunicorn instance (one worker, one thread:
a hung request would block every later one) and PostgreSQL or Redis, makes it go
silent, and shows a 503 well before the client's own timeout, the same worker serving
the next request, and recovery without a restart once the proxy forwards again.
"""

import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings

from tests.cluster.stall_proxy import StallProxy
from tests.factories import APP_HASHER, make_product, make_user

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

# A hung worker would make the client give up here; every answer must come sooner.
CLIENT_TIMEOUT = 15
PASSWORD = "correct horse battery"


@pytest.fixture
def stall_proxy():
    """``start((host, port)) -> StallProxy``; every proxy is closed after the test."""
    proxies = []

    def start(target):
        proxies.append(StallProxy(target))
        return proxies[-1]

    yield start
    for proxy in proxies:
        proxy.close()


def _through(url, proxy):
    """``url`` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{proxy.address}" if credentials else proxy.address
    return urlunsplit(parts._replace(netloc=netloc))


def _timed(method, url, **kwargs):
    started = time.monotonic()
    response = requests.request(method, url, timeout=CLIENT_TIMEOUT, **kwargs)
    return response, time.monotonic() - started


def test_a_silent_redis_makes_the_cart_a_quick_503_and_the_cart_is_back_when_it_answers(
    start_instance, stall_proxy
):
    product = make_product(stock=10)
    redis = urlsplit(settings.REDIS_URL)
    proxy = stall_proxy((redis.hostname, redis.port))
    port, process = start_instance(
        env={"REDIS_URL": _through(settings.REDIS_URL, proxy)}, workers=1, threads=1
    )
    base = f"http://127.0.0.1:{port}"
    added = requests.post(
        f"{base}/api/v1/cart/items/",
        json={"product_id": product.pk, "quantity": 2},
        headers={"X-Cart-Token": ""},
        timeout=CLIENT_TIMEOUT,
    )
    assert added.status_code == 200, added.text
    token, worker = added.headers["X-Cart-Token"], added.headers["X-Served-By"]

    proxy.stall()
    stalled, seconds = _timed("GET", f"{base}/api/v1/cart/", headers={"X-Cart-Token": token})
    print(f"cart through a silent Redis: {stalled.status_code} after {seconds:.2f} s")
    assert stalled.status_code == 503
    assert stalled.json()["code"] == "cart_unavailable"
    # The same single thread answers next: nothing of it is left waiting on Redis.
    health = requests.get(f"{base}/healthz", timeout=CLIENT_TIMEOUT)
    assert health.status_code == 200
    assert health.headers["X-Served-By"] == worker

    proxy.resume()
    cart = requests.get(
        f"{base}/api/v1/cart/", headers={"X-Cart-Token": token}, timeout=CLIENT_TIMEOUT
    )
    assert cart.status_code == 200
    assert [(i["product_id"], i["quantity"]) for i in cart.json()["items"]] == [(product.pk, 2)]
    assert cart.headers["X-Served-By"] == worker  # recovered without a restart
    assert process.poll() is None


def test_a_silent_database_makes_orders_a_quick_503_and_they_are_back_when_it_answers(
    start_instance, stall_proxy, instance_env
):
    make_user(email="ada@example.com", password=PASSWORD, hasher=APP_HASHER)
    database = urlsplit(instance_env["DATABASE_URL"])
    proxy = stall_proxy((database.hostname, database.port))
    port, process = start_instance(
        env={
            "DATABASE_URL": _through(instance_env["DATABASE_URL"], proxy),
            "DATABASE_CONNECT_TIMEOUT": "2",  # libpq's minimum
            "DATABASE_STATEMENT_TIMEOUT": "1",
            "DATABASE_READ_TIMEOUT": "1.5",
        },
        workers=1,
        threads=1,
    )
    base = f"http://127.0.0.1:{port}"
    tokens = requests.post(
        f"{base}/api/v1/auth/token/",
        json={"email": "ada@example.com", "password": PASSWORD},
        timeout=CLIENT_TIMEOUT,
    )
    assert tokens.status_code == 200, tokens.text
    bearer = {"Authorization": f"Bearer {tokens.json()['access']}"}
    orders = requests.get(f"{base}/api/v1/orders/", headers=bearer, timeout=CLIENT_TIMEOUT)
    assert orders.status_code == 200, orders.text
    worker = orders.headers["X-Served-By"]

    # The worker's kept-alive connection goes silent mid-use, and so does every new one.
    proxy.stall()
    for attempt in range(2):
        stalled, seconds = _timed("GET", f"{base}/api/v1/orders/", headers=bearer)
        print(f"orders through a silent database ({attempt}): {stalled.status_code} "
              f"after {seconds:.2f} s")  # fmt: skip
        assert stalled.status_code == 503
        assert stalled.json()["code"] == "database_unavailable"
        assert stalled.headers["X-Served-By"] == worker
    health = requests.get(f"{base}/healthz", timeout=CLIENT_TIMEOUT)
    assert health.status_code == 200

    proxy.resume()
    orders = requests.get(f"{base}/api/v1/orders/", headers=bearer, timeout=CLIENT_TIMEOUT)
    assert orders.status_code == 200
    assert orders.json()["results"] == []
    assert orders.headers["X-Served-By"] == worker  # recovered without a restart
    assert process.poll() is None
