"""Each settings profile loads in a fresh interpreter, the way a deployment loads it."""

import os
import subprocess
import sys

import pytest

from shop.localcluster import BASE_DIR

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
        ("stateless", "signed_cookies", "storages.backends.s3.S3Storage"),
        ("legacy", "db", "django.core.files.storage.FileSystemStorage"),
        ("test", "signed_cookies", "storages.backends.s3.S3Storage"),
        ("production", "signed_cookies", "storages.backends.s3.S3Storage"),
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
