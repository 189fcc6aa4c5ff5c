"""`manage.py check --tag stateless`: every profile, and each rule on its own."""

import io
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

IDS = re.compile(r"\(((?:stateless|carts)\.[EW]\d{3})\)")
LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def profile_findings(profile, *args, **env):
    """The finding ids of `manage.py check <args>` run under a settings profile."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": f"shop.settings.{profile}",
            "REDIS_URL": settings.REDIS_URL,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, set(IDS.findall(result.stdout + result.stderr)), result.stderr


def findings(**overrides):
    """The ids `check --tag stateless` reports in this process with ``overrides``."""
    out = io.StringIO()
    with override_settings(**overrides):
        call_command("check", tags=["stateless"], fail_level="CRITICAL", stdout=out, stderr=out)
    return set(IDS.findall(out.getvalue()))


def test_the_stateless_profile_has_no_finding():
    status, ids, stderr = profile_findings("stateless", "--tag", "stateless")

    assert (status, ids) == (0, set()), stderr


def test_the_legacy_profile_reports_each_piece_of_state_it_keeps():
    status, ids, stderr = profile_findings("legacy", "--tag", "stateless")

    assert status == 1, stderr  # FileSystemStorage is an error
    assert ids == {"stateless.E004", "stateless.W001", "stateless.W002", "stateless.W003"}


def test_the_bridge_profile_reports_exactly_the_legacy_writes_it_keeps_on_purpose():
    # Sessions in the database, and the session cart it mirrors for legacy instances;
    # messages in the cookie, uploads in S3, the CSRF secret in its cookie.
    status, ids, stderr = profile_findings("bridge", "--tag", "stateless")

    assert (status, ids) == (0, {"stateless.W001", "stateless.W003"}), stderr


@pytest.mark.parametrize(
    ("store", "expected"),
    [
        ("cached_db", {"stateless.W001"}),
        ("redis", {"stateless.W001"}),
        ("file", {"stateless.E001"}),
    ],
)
def test_the_bridge_profile_names_the_legacy_session_store_it_shares(store, expected):
    _, ids, stderr = profile_findings("bridge", "--tag", "stateless", LEGACY_SESSION_STORE=store)

    assert ids == {"stateless.W003"} | expected, stderr


LEGACY_ALWAYS = {"stateless.E004", "stateless.W002", "stateless.W003"}


@pytest.mark.parametrize(
    ("store", "expected"),
    [
        ("cached_db", {"stateless.W001"}),
        ("redis", {"stateless.W001"}),
        # The per-process sessions alias is unsanctioned, and sessions there break.
        ("locmem", {"stateless.E002", "stateless.E006"}),
        ("file", {"stateless.E001"}),
    ],
)
def test_each_legacy_session_store_is_reported_for_what_it_costs(store, expected):
    _, ids, stderr = profile_findings("legacy", "--tag", "stateless", LEGACY_SESSION_STORE=store)

    assert ids == LEGACY_ALWAYS | expected, stderr


def test_legacy_commands_still_run_while_the_audit_has_findings():
    status, ids, stderr = profile_findings("legacy")

    assert (status, ids) == (0, set()), stderr


def test_the_test_profile_has_no_finding_in_process():
    assert findings() == set()


def test_file_sessions_are_an_error():
    assert findings(SESSION_ENGINE="django.contrib.sessions.backends.file") == {"stateless.E001"}


@pytest.mark.parametrize("engine", ["cache", "cached_db"])
def test_sessions_in_a_per_process_cache_are_an_error(engine):
    ids = findings(
        SESSION_ENGINE=f"django.contrib.sessions.backends.{engine}",
        SESSION_CACHE_ALIAS="sessions",
        CACHES={**settings.CACHES, "sessions": {**LOCMEM, "STATELESS_PER_PROCESS": "no!"}},
    )

    # The sanction covers what code stores there, never sessions.
    assert ids == {"stateless.E002"}


@pytest.mark.parametrize("engine", ["db", "cache", "cached_db"])
def test_shared_server_side_sessions_are_a_warning(engine):
    assert findings(SESSION_ENGINE=f"django.contrib.sessions.backends.{engine}") == {
        "stateless.W001"
    }


def test_a_per_process_default_cache_is_an_error_even_when_sanctioned():
    sanctioned = {**LOCMEM, "STATELESS_PER_PROCESS": "tried"}
    assert findings(CACHES={**settings.CACHES, "default": sanctioned}) == {"stateless.E003"}


def test_an_unset_default_cache_is_an_error():
    caches = {alias: c for alias, c in settings.CACHES.items() if alias != "default"}
    # Django's own check (caches.E001) refuses this too; ours says why it matters here.
    assert "stateless.E003" in findings(CACHES=caches)


def test_only_the_catalog_cache_is_sanctioned_and_another_per_process_alias_is_an_error():
    assert settings.CACHES["catalog"]["STATELESS_PER_PROCESS"]
    assert findings(CACHES={**settings.CACHES, "scratch": LOCMEM}) == {"stateless.E006"}
    assert findings(
        CACHES={
            **settings.CACHES,
            "scratch": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"},
        }
    ) == {"stateless.E006"}


def test_file_system_storage_is_an_error():
    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    assert findings(STORAGES=storages) == {"stateless.E004"}


def test_throttles_counting_in_a_per_process_cache_are_an_error():
    rest_framework = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    }
    # DRF's throttles count in the 'default' cache: on Redis that is shared by everyone.
    assert findings(REST_FRAMEWORK=rest_framework) == set()
    assert findings(
        REST_FRAMEWORK=rest_framework, CACHES={**settings.CACHES, "default": LOCMEM}
    ) == {"stateless.E003", "stateless.E005"}


@pytest.mark.parametrize(
    "storage",
    [
        "django.contrib.messages.storage.session.SessionStorage",
        "django.contrib.messages.storage.fallback.FallbackStorage",
    ],
)
def test_messages_in_the_session_are_a_warning(storage):
    assert findings(MESSAGE_STORAGE=storage) == {"stateless.W002"}


def test_the_session_cart_is_a_warning_as_backend_or_as_a_mirror_a_backend_names():
    as_backend = {**settings.CARTS, "BACKEND": "carts.backends.session.SessionCart"}
    # The bridge's shape: Redis first, and the session cart it keeps writing on purpose.
    as_mirror = {
        **settings.CARTS,
        "OPTIONS": {**settings.CARTS["OPTIONS"], "MIRROR": "carts.backends.session.SessionCart"},
    }

    assert findings(CARTS=as_backend) == {"stateless.W003"}
    assert findings(CARTS=as_mirror) == {"stateless.W003"}


def test_csrf_secrets_in_the_session_are_a_warning():
    assert findings(CSRF_USE_SESSIONS=True) == {"stateless.W004"}
