"""Liveness and readiness of a real gunicorn instance, with each dependency taken away."""

import time

import pytest
import requests

from localcluster import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def _get(port, path):
    started = time.monotonic()
    response = requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)
    return response, time.monotonic() - started


def test_ready_when_database_redis_and_storage_answer(start_instance):
    port, _ = start_instance(workers=1)

    response, _ = _get(port, "/readyz")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert {name: c["status"] for name, c in checks.items()} == {
        "database": "ok",
        "redis": "ok",
        "storage": "ok",
    }


@pytest.mark.parametrize(
    ("name", "env"),
    [
        ("redis", lambda port: {"REDIS_URL": f"redis://127.0.0.1:{port}/15"}),
        ("database", lambda port: {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/x"}),
        ("storage", lambda port: {"AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}"}),
    ],
)
def test_not_ready_names_the_dependency_that_is_down(start_instance, name, env):
    dead = free_port()
    port, _ = start_instance(env=env(dead), workers=1)

    # Liveness first: it also waits out the worker's boot, which is not under test here.
    alive, _ = _get(port, "/healthz")
    ready, seconds = _get(port, "/readyz")

    assert ready.status_code == 503
    body = ready.json()
    assert body["detail"] == f"unavailable: {name}"
    assert body["checks"][name]["status"] == "failed" and body["checks"][name]["error"]
    assert [n for n, c in body["checks"].items() if c["status"] == "failed"] == [name]
    assert seconds < 2
    assert alive.status_code == 200
    assert str(dead) not in ready.text  # no addresses or ports for the public to read


def test_every_response_names_the_worker_that_served_it(start_instance):
    port, process = start_instance(workers=1)

    response, _ = _get(port, "/healthz")

    host, pid = response.headers["X-Served-By"].rsplit(":", 1)
    assert host and int(pid) != process.pid  # a worker, not the gunicorn master


def test_a_database_outage_is_a_503_for_the_api_and_the_pages(start_instance):
    port, _ = start_instance(
        env={"DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/x"}, workers=1
    )

    api, _ = _get(port, "/api/v1/products/")
    page, _ = _get(port, "/")

    assert api.status_code == 503 and api.json()["code"] == "database_unavailable"
    assert page.status_code == 503 and "Back in a moment" in page.text
