"""`audit_sessions` and `end_legacy_sessions` on real session stores."""

import secrets
from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection

from shop.migration.legacy import EXCHANGED_KEY, open_store
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def stored_keys():
    return sorted(s.key for batch, _ in open_store().batches() for s in batch)


def test_audit_reports_keys_sizes_cookie_fit_and_undecodable(db_store, make_session, run):
    make_session({"cart": {"1": 2}}, user=make_user())
    make_session({"cart": {"3": 1}, "recently_viewed": [1, 2, 3]})
    make_session({"blob": secrets.token_hex(4000)})  # 8 KB that would not fit a cookie
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_session VALUES ('zzforged', 'eyJhIjoxfQ:1x:bad', "
            "NOW() + INTERVAL '1 day')"
        )

    status, out = run("audit_sessions")

    assert status == 0, out
    assert "Summary: 3 read, 0 skipped, 1 failed." in out
    assert "undecodable: bad signature" in out
    assert "Signed in: 1." in out and "4096-byte cookie as signed-cookie sessions: 1." in out
    assert "p95" in out and "median" in out
    lines = {line.split()[0]: line.split()[-1] for line in out.splitlines() if line[:2] == "  "}
    assert lines["cart"] == "2" and lines["recently_viewed"] == "1" and lines["blob"] == "1"
    assert lines["_auth_user_id"] == "1"


def test_audit_changes_nothing(store, make_session, run, redis):
    make_session({"cart": {"1": 2}})
    before = stored_keys()

    run("audit_sessions")

    assert stored_keys() == before and len(before) == 1


def test_ending_removes_exchanged_sessions_only_then_all(store, make_session, run):
    exchanged = make_session({EXCHANGED_KEY: "2026-01-01T00:00:00Z"})
    waiting = make_session({"cart": {"1": 1}})

    dry = run("end_legacy_sessions", "--dry-run")
    assert stored_keys() == sorted([exchanged, waiting])
    first = run("end_legacy_sessions")
    after_first = stored_keys()
    again = run("end_legacy_sessions")
    everything = run("end_legacy_sessions", "--all")

    assert "1 would be ended, 1 skipped" in dry[1]
    assert after_first == [waiting]
    assert "1 ended, 1 skipped" in first[1] and "not exchanged yet: 1" in first[1]
    assert "0 ended, 1 skipped" in again[1]
    assert "1 ended" in everything[1] and stored_keys() == []


@pytest.mark.parametrize("store", ["cached_db"], indirect=True)
def test_ending_cached_db_sessions_removes_the_cached_copy_too(store, make_session, run):
    key = make_session({EXCHANGED_KEY: "now"})

    run("end_legacy_sessions")

    # Django's cached_db engine would still load a session whose cached copy survived.
    engine = import_module(settings.SESSION_ENGINE)
    assert engine.SessionStore(key).load() == {}
    assert not engine.SessionStore().exists(key)
