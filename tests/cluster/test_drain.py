"""Graceful drains: an instance finishes what it has, nginx stops sending it work first."""

import json
import os
import signal
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

import localcluster
from tests.factories import make_product

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def test_the_cluster_waits_at_least_gunicorns_graceful_timeout_before_killing():
    default = localcluster.graceful_timeout({})
    longer = localcluster.Instance(localcluster.free_port(), {"GUNICORN_GRACEFUL_TIMEOUT": "45"})

    assert default == 20  # deploy/gunicorn.conf.py's default
    assert localcluster.Instance(localcluster.free_port(), {}).stop_timeout > default
    assert longer.stop_timeout > 45


def _master_of(served_by):
    worker = int(served_by.rsplit(":", 1)[1])
    stat = Path(f"/proc/{worker}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_sigterm_finishes_the_request_in_flight_and_answers_no_new_one(start_instance):
    product = make_product()
    port, process = start_instance(workers=1)
    localcluster.wait_until_healthy(port)  # a worker is up, not only the master
    body = json.dumps({"product_id": product.pk, "quantity": 2}).encode()
    head = (
        "POST /api/v1/cart/items/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nX-Cart-Token: \r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    in_flight = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    in_flight.sendall(head + body[:5])  # the worker now waits for the rest of the body
    time.sleep(0.5)

    process.send_signal(signal.SIGTERM)
    time.sleep(1)
    with pytest.raises((requests.ConnectionError, requests.Timeout)):  # nobody takes it
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=3)
    in_flight.sendall(body[5:])
    answer = b""
    while chunk := in_flight.recv(65536):
        answer += chunk
    in_flight.close()

    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"total_quantity":2' in answer
    assert process.wait(timeout=localcluster.graceful_timeout({})) == 0


def test_a_drained_instance_gets_no_request_until_it_is_put_back(start_cluster):
    make_product(slug="sencha")
    cluster = start_cluster(instances=2, workers=1)
    drained, other = cluster.instances

    def masters(count):
        return Counter(
            _master_of(requests.get(f"{cluster.url}/healthz", timeout=10).headers["X-Served-By"])
            for _ in range(count)
        )

    cluster.drain(drained)
    while_drained = masters(20)
    cluster.undrain(drained)
    after = masters(20)

    assert while_drained == {other.pid: 20}
    assert set(after) == {drained.pid, other.pid}


class Load:
    """Shoppers that browse, add to and change their guest carts without pause.

    Nothing is retried: a request that fails is counted as lost. Each shopper keeps the
    quantities its acknowledged writes set, to compare with its cart afterwards.

    Every request opens its own connection to nginx: a reload closes nginx's idle
    keep-alive connections to clients, and a request a client writes on one at that
    instant is refused by the client's own socket, before nginx or an instance sees it
    (browsers send it again by themselves; requests does not). Draining is about
    nginx's connections to the instances, which stay kept alive here.
    """

    def __init__(self, url, products, shoppers):
        self.url, self.products = url, products
        self.statuses = Counter()
        self.lost = []
        self.expected = [{} for _ in range(shoppers)]
        self.tokens = [None] * shoppers
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.shop, args=(i,)) for i in range(shoppers)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def request(self, browser, method, path, **kwargs):
        try:
            response = browser.request(method, self.url + path, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            self.lost.append(f"{method} {path}: {exc}")
            return None
        self.statuses[method, response.status_code] += 1
        return response

    def shop(self, i):
        step = 0
        with requests.Session() as browser:
            browser.headers["X-Cart-Token"] = ""
            browser.headers["Connection"] = "close"
            while not self.stop.is_set():
                product = self.products[step // 3 % len(self.products)]
                step += 1
                if step % 3 == 0:
                    self.request(browser, "GET", f"/products/{product.slug}/")
                    continue
                if step % 3 == 1:
                    response = self.request(
                        browser, "POST", "/api/v1/cart/items/", json={"product_id": product.pk}
                    )
                    expected = self.expected[i].get(product.pk, 0) + 1
                else:
                    expected = step % 5 + 1
                    response = self.request(
                        browser,
                        "PUT",
                        f"/api/v1/cart/items/{product.pk}/",
                        json={"quantity": expected},
                    )
                if response is not None and response.status_code == 200:
                    self.expected[i][product.pk] = expected
                    token = response.headers.get("X-Cart-Token", browser.headers["X-Cart-Token"])
                    browser.headers["X-Cart-Token"] = self.tokens[i] = token


def test_a_rolling_restart_under_load_loses_no_request(start_cluster):
    products = [make_product(stock=10_000) for _ in range(3)]
    cluster = start_cluster(instances=3, workers=1)
    before = [instance.pid for instance in cluster.instances]

    with Load(cluster.url, products, shoppers=6) as load:
        time.sleep(1)
        cluster.rolling_restart()
        time.sleep(1)

    assert load.lost == []
    assert set(load.statuses) == {("GET", 200), ("POST", 200), ("PUT", 200)}
    assert sum(load.statuses.values()) > 100
    after = [instance.pid for instance in cluster.instances]
    assert all(a != b for a, b in zip(before, after, strict=True))
    for token, expected in zip(load.tokens, load.expected, strict=True):
        cart = requests.get(
            f"{cluster.url}/api/v1/cart/", headers={"X-Cart-Token": token}, timeout=TIMEOUT
        ).json()
        assert {line["product_id"]: line["quantity"] for line in cart["items"]} == expected
    for pid in before:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
