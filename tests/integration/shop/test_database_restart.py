"""A worker whose kept-alive database connection was cut (a PostgreSQL restart or
failover ends every session) notices before using it and reconnects: the request is
answered as usual, and the check costs no round trip (shop.postgresql's is_usable)."""

import time

import psycopg
import pytest
import requests
from django.db import connection, connections

from shop.postgresql.base import ReadTimeoutConnection
from tests.factories import make_product

pytestmark = pytest.mark.django_db(transaction=True)


def _terminate(where):
    """What a restart does to sessions: pg_terminate_backend; waits until they are gone."""
    query = f"FROM pg_stat_activity WHERE datname = current_database() AND {where}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(pg_terminate_backend(pid)) {query}")
        cut = cursor.fetchone()[0]
        for _ in range(100):
            cursor.execute(f"SELECT count(*) {query}")
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)
    return cut


@pytest.fixture
def second_connection():
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def test_an_open_connection_is_usable_without_a_statement_sent(second_connection, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the health check sent a statement")

    monkeypatch.setattr(ReadTimeoutConnection, "execute", refuse)
    monkeypatch.setattr(ReadTimeoutConnection, "cursor", refuse)

    assert second_connection.is_usable()


def test_a_terminated_connection_is_not_usable(second_connection):
    pid = second_connection.connection.info.backend_pid

    assert _terminate(f"pid = {pid}") == 1

    assert not second_connection.is_usable()
    second_connection.close()
    second_connection.ensure_connection()  # Django's next request connects afresh
    assert second_connection.is_usable()


def test_a_closed_connection_is_not_usable(second_connection):
    second_connection.connection.close()

    assert not second_connection.is_usable()


def test_a_worker_whose_connection_was_cut_answers_the_next_request(start_instance):
    make_product(slug="sencha")
    port, process = start_instance(workers=1, threads=1)
    url = f"http://127.0.0.1:{port}/api/v1/products/sencha/"
    first = requests.get(url, timeout=10)
    assert first.status_code == 200

    assert _terminate("pid <> pg_backend_pid()") >= 1
    after = [requests.get(url, timeout=10) for _ in range(3)]

    assert [r.status_code for r in after] == [200, 200, 200], after[0].text
    assert {r.headers["X-Served-By"] for r in after} == {first.headers["X-Served-By"]}
    assert process.poll() is None


def test_psycopg_reports_a_cut_connection_as_an_operational_error(second_connection):
    # Why the check matters: without it the request's first statement is this error.
    pid = second_connection.connection.info.backend_pid
    _terminate(f"pid = {pid}")

    with pytest.raises(psycopg.OperationalError):
        second_connection.connection.execute("SELECT 1")
