"""A database outage answers a fixed sentence; what the driver said goes to the log only.

Real gunicorn instances whose DATABASE_URL names a closed port, or a role PostgreSQL
refuses: the API, the pages and /readyz answer 503 without a host, port, role or driver
text, and the instance's log has the detail an operator needs.
"""

import pytest
import requests

from localcluster import free_port

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_SENTENCE = "The database is unavailable for a moment. Please try again shortly."
ROLE = "no_such_shop_role"


def _database_urls(instance_env):
    """``(DATABASE_URL, words that must not reach a client)`` for each kind of refusal."""
    closed = free_port()
    yield f"postgres://shop:shop@127.0.0.1:{closed}/shop", [str(closed), "127.0.0.1"]
    real = instance_env["DATABASE_URL"]
    port = real.rsplit(":", 1)[1].split("/")[0]
    name = real.rsplit("/", 1)[1]
    refused = [ROLE, "secret", port, "does not exist"]
    yield f"postgres://{ROLE}:secret@127.0.0.1:{port}/{name}", refused


@pytest.mark.parametrize("kind", ["closed port", "unknown role"])
def test_a_database_outage_leaks_nothing_and_logs_the_detail(
    start_instance, instance_env, tmp_path, kind
):
    url, secrets = list(_database_urls(instance_env))[["closed port", "unknown role"].index(kind)]
    log = tmp_path / "instance.log"
    port, _ = start_instance(env={"DATABASE_URL": url}, workers=1, log=str(log))
    base = f"http://127.0.0.1:{port}"

    api = requests.get(f"{base}/api/v1/products/", timeout=10)
    page = requests.get(f"{base}/", timeout=10)
    ready = requests.get(f"{base}/readyz", timeout=10)

    assert api.status_code == 503
    assert api.json() == {"detail": PUBLIC_SENTENCE, "code": "database_unavailable"}
    assert api.headers["Retry-After"] == "5"
    assert page.status_code == 503 and PUBLIC_SENTENCE in page.text
    assert ready.status_code == 503 and ready.json()["checks"]["database"]["error"] == (
        "not reachable"
    )
    for response in (api, page, ready):
        for word in [*secrets, "FATAL", "connection", "psycopg", "OperationalError"]:
            assert word not in response.text, (response.url, word)
    logged = log.read_text()
    assert ROLE in logged if kind == "unknown role" else secrets[0] in logged


@pytest.mark.urls("tests.integration.shop.urls")
@pytest.mark.parametrize("path", ["/deadlocked/", "/api/test/deadlocked/"])
def test_a_deadlock_answers_the_fixed_sentence_and_logs_the_detail(client, caplog, path):
    response = client.get(path)

    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.content.decode()
    assert PUBLIC_SENTENCE in body
    for word in ("deadlock", "4242", "ShareLock", "catalog_product"):
        assert word not in body
    assert "catalog_product" in caplog.text  # for the operator
