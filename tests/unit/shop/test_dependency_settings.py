"""Redis and PostgreSQL connection settings from the environment (docs/redis-ha.md)."""

import json
import os
import subprocess
import sys

from localcluster import BASE_DIR

SENTINELS = "10.0.0.1:26379,10.0.0.2:26379,[fd00::3]:26379"


def _settings(expression, **env):
    """``expression`` evaluated on the stateless profile's settings, loaded with ``env``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "REDIS_", "CARTS_", "DATABASE_"))
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps({expression}, default=str))",
        ],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "shop.settings.stateless", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_under_sentinel_every_alias_asks_for_its_primary_and_reads_from_it():
    result = _settings(
        "{a: s.CACHES[a] for a in ('default', 'carts')}",
        REDIS_URL="redis://:s3cret@ignored:6379/2",
        REDIS_SENTINELS=SENTINELS,
        REDIS_SENTINEL_MASTER="shop",
        CARTS_REDIS_SENTINEL_MASTER="shop-carts",
        REDIS_SENTINEL_PASSWORD="sentinel-pass",
    )

    assert result.returncode == 0, result.stderr
    aliases = json.loads(result.stdout)
    assert aliases["default"]["LOCATION"] == "redis://:s3cret@shop/2"
    assert aliases["carts"]["LOCATION"] == "redis://:s3cret@shop-carts/2"
    for alias in aliases.values():
        options = alias["OPTIONS"]
        # One location and the DefaultClient: no command is ever sent to a replica.
        assert options["CLIENT_CLASS"] == "django_redis.client.DefaultClient"
        assert options["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
        assert options["SENTINELS"] == [
            ["10.0.0.1", 26379],
            ["10.0.0.2", 26379],
            ["fd00::3", 26379],
        ]
        assert options["SENTINEL_KWARGS"]["password"] == "sentinel-pass"
        assert options["SENTINEL_KWARGS"]["socket_timeout"] == 0.5


def test_a_malformed_sentinel_list_stops_startup_with_a_sentence_naming_the_variable():
    result = _settings("1", REDIS_SENTINELS="10.0.0.1:26379,sentinel-without-port")

    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_SENTINELS lists 'sentinel-without-port'" in result.stderr


def test_rediss_verifies_the_server_against_the_configured_ca():
    result = _settings(
        "s.CACHES['carts']",
        REDIS_URL="rediss://redis.internal:6380/0",
        REDIS_TLS_CA_FILE="/etc/ssl/redis-ca.pem",
    )

    assert result.returncode == 0, result.stderr
    alias = json.loads(result.stdout)
    assert alias["LOCATION"] == "rediss://redis.internal:6380/0"
    assert alias["OPTIONS"]["CONNECTION_POOL_KWARGS"] == {"ssl_ca_certs": "/etc/ssl/redis-ca.pem"}


def test_postgresql_gets_statement_read_and_tcp_timeouts():
    result = _settings("s.DATABASES['default']", DATABASE_URL="postgres://u:p@db:5432/shop")

    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["ENGINE"] == "shop.postgresql"
    options = database["OPTIONS"]
    assert options["options"] == "-c statement_timeout=5000"
    assert options["read_timeout"] == 10
    assert options["tcp_user_timeout"] == 10000
    assert options["keepalives"] == 1


def test_a_job_that_turns_statement_timeouts_off_is_not_cut_by_the_read_timeout():
    result = _settings(
        "s.DATABASES['default']['OPTIONS']",
        DATABASE_URL="postgres://u:p@db:5432/shop",
        DATABASE_STATEMENT_TIMEOUT="0",
    )

    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert "options" not in options
    assert options["read_timeout"] == 0
    assert options["tcp_user_timeout"] == 0
