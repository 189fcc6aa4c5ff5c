"""/metrics: one scrape of an instance counts what every one of its workers answered."""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import localcluster

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def _scrape(port):
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def _settled_value(port, name, **labels):
    """``name``'s value once two scrapes half a second apart agree.

    A health probe that timed out while the workers booted is still answered after the
    probe has given up on it, so the count may move just after the instance is healthy.
    """
    value = _value(_scrape(port), name, **labels)
    for _ in range(20):
        time.sleep(0.5)
        value, previous = _value(_scrape(port), name, **labels), value
        if value == previous:
            return value
    raise AssertionError(f"{name} keeps moving on an idle instance")


def test_one_scrape_sums_every_workers_requests_dead_workers_included(start_instance):
    port, _ = start_instance(workers=2, threads=2)
    localcluster.wait_until_healthy(port)
    healthz = {"route": "healthz", "method": "GET", "status": "200"}
    before = _settled_value(port, "shop_http_requests_total", **healthz)

    def get(_):
        response = requests.get(
            f"http://127.0.0.1:{port}/healthz", headers={"Connection": "close"}, timeout=TIMEOUT
        )
        assert response.status_code == 200
        return response.headers["X-Served-By"]

    # One gthread worker may take every connection of a short burst: send bursts until
    # both workers have answered some (a bounded number of them).
    served_by = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        while len(set(served_by)) < 2 and len(served_by) < 600:
            served_by += pool.map(get, range(60))
    sent = len(served_by)
    after = _scrape(port)
    os.kill(int(served_by[0].rsplit(":", 1)[1]), signal.SIGKILL)  # gunicorn starts another
    time.sleep(2)
    after_the_kill = _scrape(port)

    assert len(set(served_by)) == 2  # both workers answered some
    assert _value(after, "shop_http_requests_total", **healthz) - before == sent
    assert (
        _value(after, "shop_http_request_duration_seconds_count", route="healthz", method="GET")
        - before
        == sent
    )
    assert _value(after_the_kill, "shop_http_requests_total", **healthz) - before == sent


def test_metrics_are_refused_through_nginx_and_through_any_proxy(start_cluster):
    cluster = start_cluster(instances=1, workers=1)
    port = cluster.instances[0].port

    public = {
        path: requests.get(cluster.url + path, timeout=TIMEOUT)
        for path in ("/metrics", "/metrics?x=1", "//metrics", "/%6Detrics", "/metrics/")
    }
    forwarded = requests.get(
        f"http://127.0.0.1:{port}/metrics",
        headers={"X-Forwarded-For": "203.0.113.9"},
        timeout=TIMEOUT,
    )

    assert {path: r.status_code for path, r in public.items()} == dict.fromkeys(public, 404)
    assert not any("shop_http_requests_total" in r.text for r in public.values())
    assert forwarded.status_code == 404
    assert (
        "shop_http_requests_total"
        in requests.get(f"http://127.0.0.1:{port}/metrics", timeout=TIMEOUT).text
    )


def test_a_dependency_that_fails_is_counted_by_name(start_instance):
    port, _ = start_instance(
        env={"REDIS_URL": f"redis://127.0.0.1:{localcluster.free_port()}/15"}, workers=1
    )
    localcluster.wait_until_healthy(port)

    ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=TIMEOUT)
    samples = _scrape(port)

    assert ready.status_code == 503
    assert _value(samples, "shop_dependency_errors_total", dependency="redis") == 1
    assert _value(samples, "shop_dependency_errors_total", dependency="database") == 0
    assert ("shop_checkout_outcomes_total", (("outcome", "out_of_stock"),)) in samples
    assert ("shop_cart_operations_total", (("operation", "add"),)) in samples
