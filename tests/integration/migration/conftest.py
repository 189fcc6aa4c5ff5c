"""Legacy sessions for the migration commands: real Django session stores, every layout."""

import io
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management import call_command
from django.core.management.base import CommandError

STORES = "shop.migration.legacy.stores"


def session_cache():
    """The legacy sessions' cache as the legacy profile configures it, on the tests' Redis."""
    return {**settings.CACHES["default"], "KEY_PREFIX": "legacy-sessions"}


@pytest.fixture(params=["db", "cached_db", "redis"])
def store(request, settings):
    """Each legacy store in turn: ``LEGACY_SESSIONS`` for the reader and, for making
    sessions in this process, the session engine that wrote it."""
    name = request.param
    settings.CACHES = {**settings.CACHES, "sessions": session_cache()}
    settings.SESSION_CACHE_ALIAS = "sessions"
    backend, engine = {
        "db": ("DatabaseStore", "db"),
        "cached_db": ("CachedDatabaseStore", "cached_db"),
        "redis": ("CacheStore", "cache"),
    }[name]
    settings.LEGACY_SESSIONS = {
        "BACKEND": f"{STORES}.{backend}",
        "OPTIONS": {} if name == "db" else {"CACHE": session_cache()},
    }
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    return name


@pytest.fixture
def db_store(settings):
    settings.LEGACY_SESSIONS = {"BACKEND": f"{STORES}.DatabaseStore"}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture
def make_session(settings):
    """``make(data, user=None) -> session key``: a session saved by the configured
    engine, as Django's login() would have saved it for ``user``."""

    def make(data, user=None):
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        if user is not None:
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.update(data)
        session.save()
        return session.session_key

    return make


@pytest.fixture
def run():
    """``run(command, *args) -> (exit status, output)``."""

    def run(command, *args):
        out = io.StringIO()
        try:
            call_command(command, *args, stdout=out, stderr=out)
        except CommandError as exc:
            return exc.returncode, out.getvalue() + str(exc)
        return 0, out.getvalue()

    return run
