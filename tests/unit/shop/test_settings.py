"""Each settings profile loads in a fresh interpreter, the way a deployment loads it."""

import os
import re
import subprocess
import sys

import pytest

from localcluster import BASE_DIR

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3#v9!qP2z@Lr7^wX1&mN5*bT8(cY4)hJ6_fD0+gS-aE=uR.iO;pK,lM<nB>vC?xZ",
    "JWT_SIGNING_KEY": "Zq8#Lm2!vB7@xR4$wT9%nY3^kP6&hJ1*dF5(gS0)aE-uI=oC+lM;rN:tV<sW>yX?",
    "DATABASE_URL": "postgres://shop:secret@db.internal:5432/shop",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
}


def _django(settings_module, code, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("profile", "session_engine", "storage"),
    [
        ("stateless", "signed_cookies", "shop.core.storage.S3Storage"),
        ("legacy", "db", "django.core.files.storage.FileSystemStorage"),
        ("test", "signed_cookies", "shop.core.storage.S3Storage"),
        ("production", "signed_cookies", "shop.core.storage.S3Storage"),
    ],
)
def test_each_profile_loads_and_names_its_backends(profile, session_engine, storage):
    result = _django(
        f"shop.settings.{profile}",
        "from django.conf import settings as s; "
        "print(s.SESSION_ENGINE, s.STORAGES['default']['BACKEND'])",
        env=PRODUCTION_ENV,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"django.contrib.sessions.backends.{session_engine}", storage]


def test_production_refuses_to_start_without_a_secret_key():
    result = _django("shop.settings.production", "pass")

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("JWT_SIGNING_KEY", "JWT_SIGNING_KEY must be set in production"),
        ("DATABASE_URL", "DATABASE_URL must be set in production"),
    ],
)
def test_production_refuses_development_defaults(missing, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = _django("shop.settings.production", "pass", env=env)

    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"JWT_SIGNING_KEY": "too-short"}, "JWT_SIGNING_KEY must be set in production"),
        (
            {"JWT_PREVIOUS_SIGNING_KEYS": "development-jwt-signing-key-never-use-in-production"},
            "JWT_PREVIOUS_SIGNING_KEYS lists the development key",
        ),
    ],
)
def test_production_refuses_weak_jwt_keys(override, message):
    result = _django("shop.settings.production", "pass", env={**PRODUCTION_ENV, **override})

    assert result.returncode != 0
    assert message in result.stderr


def test_an_unusable_jwt_key_fails_the_system_check():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env={**clean, "JWT_ALGORITHM": "RS256", "JWT_SIGNING_KEY": "not a PEM key"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "accounts.E001" in result.stderr and "not a valid PEM key" in result.stderr


def test_production_refuses_a_jwt_key_equal_to_the_secret_key():
    env = {**PRODUCTION_ENV, "JWT_SIGNING_KEY": PRODUCTION_ENV["DJANGO_SECRET_KEY"]}

    result = _django("shop.settings.production", "pass", env=env)

    assert "JWT_SIGNING_KEY must differ from DJANGO_SECRET_KEY" in result.stderr


def test_production_stores_uploads_on_aws_when_no_endpoint_is_set():
    result = _django(
        "shop.settings.production",
        "from django.conf import settings as s; o = s.STORAGES['default']['OPTIONS']; "
        "print(o['endpoint_url'], o['access_key'], o['url_protocol'])",
        env=PRODUCTION_ENV,
    )

    assert result.stdout.split() == ["None", "None", "https:"]


def test_production_cookies_are_secure_and_host_prefixed():
    result = _django(
        "shop.settings.production",
        "from django.conf import settings as s; print(s.AUTH_COOKIE_SECURE, "
        "s.AUTH_ACCESS_COOKIE, s.AUTH_REFRESH_COOKIE, s.CSRF_COOKIE_NAME, "
        "s.SESSION_COOKIE_NAME, s.CART_COOKIE, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        env=PRODUCTION_ENV,
    )

    assert result.stdout.split() == [
        "True",
        "__Host-shop_access",
        "__Host-shop_refresh",
        "__Host-csrftoken",
        "__Host-sessionid",
        "__Host-shop_cart",
        "True",
        "True",
    ]


def test_production_refuses_a_short_secret_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"}

    result = _django("shop.settings.production", "pass", env=env)

    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_passes_check_deploy_with_no_warning():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "shop.settings.production", **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_development_defaults_are_safe():
    result = _django(
        "shop.settings.stateless",
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_HTTPONLY, "
        "s.CSRF_USE_SESSIONS, s.ALLOWED_HOSTS != ['*'])",
    )

    assert result.stdout.split() == ["False", "True", "False", "True"]


def test_profiles_leave_the_settings_they_import_unchanged():
    code = """
import importlib
base = importlib.import_module("shop.settings.base")
stateless = importlib.import_module("shop.settings.stateless")
snap = lambda m: {k: repr(getattr(m, k)) for k in dir(m) if k.isupper()}
before = snap(base), snap(stateless)
for profile in ("legacy", "test", "production"):
    importlib.import_module(f"shop.settings.{profile}")
print("unchanged" if (snap(base), snap(stateless)) == before else "changed")
"""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["unchanged"], result.stderr


@pytest.mark.parametrize(("worker", "database"), [("", 15), ("gw0", 15), ("gw2", 13)])
def test_the_test_profile_keeps_its_redis_aliases_on_a_database_of_each_worker(worker, database):
    result = _django(
        "shop.settings.test",
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['LOCATION'], s.CACHES['carts']['LOCATION'])",
        env={
            "REDIS_URL": "redis://127.0.0.1:6399/0",
            "CARTS_REDIS_URL": "",
            "PYTEST_XDIST_WORKER": worker,
        },
    )

    assert result.stdout.split() == [f"redis://127.0.0.1:6399/{database}"] * 2, result.stderr


def test_a_cdn_in_production_is_linked_and_allowed_over_https():
    result = _django(
        "shop.settings.production",
        "from django.conf import settings as s; o = s.STORAGES['default']['OPTIONS']; "
        "print(o['url_protocol'], o['custom_domain'], "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1])",
        env={**PRODUCTION_ENV, "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com"},
    )

    assert result.stdout.split() == ["https:", "cdn.example.com", "https://cdn.example.com"]


def test_only_the_base_settings_module_reads_the_environment():
    reads = re.compile(r"\bos\.environ\b|\bgetenv\(|\benv\.\w+\(|\bEnv\(")
    allowed = {BASE_DIR / "shop" / "settings" / "base.py"}
    offenders = [
        str(path.relative_to(BASE_DIR))
        for package in ("shop", "carts", "accounts")
        for path in sorted((BASE_DIR / package).rglob("*.py"))
        if path not in allowed
        and reads.search(
            # wsgi.py names the default profile, the way Django's template does.
            path.read_text().replace('os.environ.setdefault("DJANGO_SETTINGS_MODULE"', "")
        )
    ]

    assert offenders == []
