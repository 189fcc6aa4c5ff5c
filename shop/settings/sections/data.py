"""Builders for the database and the cache aliases (PostgreSQL, Redis, per-process)."""

from urllib.parse import urlsplit, urlunsplit

import environ


def database(url, *, conn_max_age, connect_timeout):
    """``DATABASES["default"]`` for a database URL (``postgres://…`` or ``sqlite:///…``).

    ``connect_timeout`` (seconds) applies to PostgreSQL: a dead database must fail a
    request (and /readyz) quickly, not hang a worker.
    """
    config = environ.Env.db_url_config(url)
    config["CONN_MAX_AGE"] = conn_max_age
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The fallback where PostgreSQL cannot be had: WAL lets readers run beside the
        # writer, IMMEDIATE transactions take the write lock up front and the timeout
        # waits for it, so concurrent checkouts queue instead of failing "database is locked".
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "connect_timeout": connect_timeout}
    return config


def redis_cache(location, *, socket_timeout):
    """A django-redis cache alias on ``location`` (a ``redis://`` URL).

    Errors are never swallowed (no IGNORE_EXCEPTIONS): a failed cart must be a 503, not
    an empty cart. ``socket_timeout`` (seconds) bounds connecting and every command.
    """
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "shop",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": socket_timeout,
            "SOCKET_TIMEOUT": socket_timeout,
        },
    }


def catalog_cache(timeout):
    """The per-process cache of product summaries, entries kept ``timeout`` seconds.

    Hot, non-user data only, keyed by the catalog version kept in Redis, so a product
    saved anywhere is seen everywhere.
    """
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "catalog",
        "TIMEOUT": timeout,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }


def redis_database(url, number):
    """``url`` with its database number replaced by ``number``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))
