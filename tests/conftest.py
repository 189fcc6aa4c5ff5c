"""Fixtures shared by every test: the real S3 endpoint, Redis, and app instances."""

import http.client
import os
import shutil
import subprocess
import sys
import time
from urllib.parse import quote, urlsplit

import boto3
import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django_redis import get_redis_connection

import localcluster


@pytest.fixture(scope="session", autouse=True)
def s3_endpoint():
    """The tests' S3 endpoint: the configured one, or moto started on the test port."""
    options = settings.STORAGES["default"]["OPTIONS"]
    process = None
    port = urlsplit(options["endpoint_url"]).port
    if settings.AWS_S3_ENDPOINT_URL is None and not localcluster.port_open(port):
        process = localcluster.start_s3(port)
    localcluster.ensure_bucket(options)
    yield options["endpoint_url"]
    if process is not None:
        localcluster.stop(process)


@pytest.fixture(autouse=True)
def redis():
    """The tests' Redis database and this process's product summaries and catalog pages,
    emptied before every test: identity, carts, idempotency records and the catalog
    version live there."""
    caches["catalog"].clear()
    caches["catalog_pages"].clear()
    connection = get_redis_connection("default")
    connection.flushdb()
    return connection


@pytest.fixture
def redis_server():
    """Start a private redis-server on a free port: ``start(*args) -> (url, process)``.

    For tests that stop Redis or give it another eviction policy without touching the
    shared one. Every server started is stopped after the test.
    """
    started = []

    def start(*args):
        port = localcluster.free_port()
        process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                *args,
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        localcluster.wait_for_port(port, process)
        return f"redis://127.0.0.1:{port}/0", process

    yield start
    for process in started:
        localcluster.stop(process)


@pytest.fixture
def s3_client():
    options = settings.STORAGES["default"]["OPTIONS"]
    return boto3.session.Session().client(
        "s3",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected for the stateless profile (its manifest storage needs them).

    Into a folder of the tests' own, so that `make run` beside them is left alone.
    """
    static_root = tmp_path_factory.mktemp("staticfiles")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=localcluster.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shop.settings.stateless",
            "DJANGO_STATIC_ROOT": str(static_root),
        },
        check=True,
    )
    return static_root


@pytest.fixture
def instance_env(django_db_setup, django_db_blocker, collected_static):
    """Environment for app processes: the stateless profile on the tests' own data."""
    with django_db_blocker.unblock():
        db = connection.settings_dict
    options = settings.STORAGES["default"]["OPTIONS"]
    return {
        "DJANGO_SETTINGS_MODULE": "shop.settings.stateless",
        "DJANGO_STATIC_ROOT": str(collected_static),
        "DATABASE_URL": _database_url(db),
        "REDIS_URL": settings.REDIS_URL,
        "AWS_S3_ENDPOINT_URL": options["endpoint_url"],
        "AWS_STORAGE_BUCKET_NAME": options["bucket_name"],
        "AWS_ACCESS_KEY_ID": options["access_key"],
        "AWS_SECRET_ACCESS_KEY": options["secret_key"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GUNICORN_LOG_LEVEL": "warning",
        # Concurrency and failover tests drive one cart, or one shopper's checkouts, far
        # beyond a person's pace; those limits have tests of their own (test_rate_limits).
        "RATE_LIMIT_CART_WRITES": "",
        "RATE_LIMIT_CHECKOUT": "",
    }


def _database_url(db):
    if not db["ENGINE"].endswith("postgresql"):
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@pytest.fixture
def start_instance(instance_env):
    """Start gunicorn instances on free ports; all are stopped after the test."""
    started = []

    def start(env=None, **options):
        port = localcluster.free_port()
        process = localcluster.start_instance(port, {**instance_env, **(env or {})}, **options)
        started.append(process)
        _wait_until_serving(port, process)
        return port, process

    yield start
    for process in started:
        localcluster.stop(process)


def _wait_until_serving(port, process, timeout=90.0):
    """Return once a worker of the instance on ``port`` answers HTTP (any status).

    gunicorn's port answers before its workers have imported the app, which takes
    seconds on a busy machine: a test's first request would spend its timeout waiting
    for a boot instead of for what it tests. Any answer counts, so an instance whose
    profile redirects to HTTPS (production) or whose dependencies are down is served.
    """
    deadline = time.monotonic() + timeout
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            connection.getresponse().read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            connection.close()


@pytest.fixture
def start_cluster(instance_env):
    """Start instances behind nginx on free ports; stopped after the test."""
    started = []

    def start(instances=2, env=None, **options):
        ports = [localcluster.free_port() for _ in range(instances)]
        cluster = localcluster.Cluster.start(
            localcluster.free_port(), ports, {**instance_env, **(env or {})}, **options
        )
        started.append(cluster)
        for instance in cluster.instances:
            _wait_until_serving(instance.port, instance.process)
        return cluster

    yield start
    for cluster in started:
        cluster.stop()


# --- Chromium -----------------------------------------------------------------------------
# One Playwright session per test process: its sync API keeps an event loop running in
# the test thread from the first browser test on, so a second ``sync_playwright()`` in
# the same process would fail, and Django refuses ORM calls from that thread unless told
# that this is a test, which is what the variable below does.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a sandboxed, offline machine: no sandbox as root, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: run deploy/dev/services.sh test"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
