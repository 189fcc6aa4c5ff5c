"""Builders for the database and the cache aliases (PostgreSQL, Redis, per-process)."""

from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from redis.sentinel import SentinelManagedSSLConnection


def database(url, *, conn_max_age, connect_timeout, statement_timeout=0, read_timeout=0):
    """``DATABASES["default"]`` for a database URL (``postgres://…`` or ``sqlite:///…``).

    For PostgreSQL, every timeout is in seconds and bounds one way a database can stall
    a worker (0 turns it off): ``connect_timeout`` a server that does not accept,
    ``statement_timeout`` a statement the server is slow to finish (it cancels it),
    ``read_timeout`` a server that stops answering at all (``shop.postgresql`` stops
    waiting; the kernel drops a peer that stops acknowledging after as long). Each is an
    OperationalError, which the API and the pages answer with a 503.
    """
    config = environ.Env.db_url_config(url)
    config["CONN_MAX_AGE"] = conn_max_age
    # Django checks a kept-alive connection before the first statement of a request
    # (close_if_health_check_failed), so that a PostgreSQL restart or failover, which
    # cuts every session, costs a reconnect instead of a failed request. Its check is a
    # "SELECT 1" round trip (about 0.2 ms of worker CPU here); shop.postgresql's
    # is_usable asks the socket instead, with no round trip (the sqlite fallback's
    # check is free either way).
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
        return config
    options = config.get("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "shop.postgresql"  # Django's, with the read timeout
        options = {**options, "read_timeout": read_timeout}
    server_options = options.get("options", "")
    if statement_timeout:
        server_options = f"{server_options} -c statement_timeout={int(statement_timeout * 1000)}"
    config["OPTIONS"] = {
        **options,
        "connect_timeout": connect_timeout,
        # An idle kept-alive connection to a vanished host is found within 25 s, not
        # by the next request's first statement waiting for the read timeout.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": int(read_timeout * 1000),
        **({"options": server_options.strip()} if server_options else {}),
    }
    return config


def redis_cache(
    url, *, socket_timeout, sentinels=(), sentinel_master="", sentinel_password="", tls_ca_file=""
):
    """A django-redis cache alias for the Redis at ``url`` (``redis://``, or ``rediss://``
    for TLS).

    Errors are never swallowed (no IGNORE_EXCEPTIONS): a failed cart must be a 503, not
    an empty cart. ``socket_timeout`` (seconds) bounds connecting and every command.
    Over TLS the server's certificate and host name are always checked, against the CA
    bundle ``tls_ca_file`` or, if empty, the system's.

    With ``sentinels`` (``["host:port", …]``) the alias asks them for the primary of
    ``sentinel_master`` and follows it through failovers: django-redis's
    SentinelConnectionFactory, named in this alias's OPTIONS (the global
    ``DJANGO_REDIS_CONNECTION_FACTORY`` would apply to every alias). ``url`` then gives
    the scheme, the credentials and the database number only; ``sentinel_password`` is
    the Sentinels' own. Over TLS the Sentinels are reached with TLS too.

    Every command, reads included, goes to the primary: the alias has one location and
    django-redis's DefaultClient (its SentinelClient would send reads to replicas), so a
    token revoked or an idempotency key taken a moment ago is never read stale.
    """
    parts = urlsplit(url)
    tls = {"ssl_ca_certs": tls_ca_file} if parts.scheme == "rediss" and tls_ca_file else {}
    options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": socket_timeout,
        "SOCKET_TIMEOUT": socket_timeout,
    }
    if not sentinels:
        if tls:
            options["CONNECTION_POOL_KWARGS"] = tls
        return _redis_alias(url, options)
    if not sentinel_master:
        raise ImproperlyConfigured(
            "REDIS_SENTINELS is set: REDIS_SENTINEL_MASTER (and CARTS_REDIS_SENTINEL_MASTER "
            "if carts are monitored under another name) must name the primary to ask for."
        )
    credentials = parts.netloc.rpartition("@")[0]
    service = f"{credentials}@{sentinel_master}" if credentials else sentinel_master
    sentinel_kwargs = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_timeout}
    if sentinel_password:
        sentinel_kwargs["password"] = sentinel_password
    if parts.scheme == "rediss":
        sentinel_kwargs |= {"ssl": True, **tls}
        # The URL stays redis://: rediss:// would replace the Sentinel-managed connection.
        options["CONNECTION_POOL_KWARGS"] = {
            "connection_class": SentinelManagedSSLConnection,
            **tls,
        }
    options |= {
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": [_host_port(address) for address in sentinels],
        "SENTINEL_KWARGS": sentinel_kwargs,
    }
    return _redis_alias(urlunsplit(("redis", service, parts.path, parts.query, "")), options)


def _redis_alias(location, options):
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "shop",
        "OPTIONS": options,
    }


def _host_port(address):
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ImproperlyConfigured(
            f"REDIS_SENTINELS lists {address!r}: each Sentinel must be host:port, "
            "comma-separated (sentinel-1:26379,sentinel-2:26379,sentinel-3:26379)."
        )
    return host.strip("[]"), int(port)


def catalog_cache(timeout):
    """The per-process cache of product summaries, entries kept ``timeout`` seconds.

    Hot, non-user data only, keyed by the catalog version kept in Redis, so a product
    saved anywhere is seen everywhere.
    """
    return _per_process_cache(
        "catalog",
        timeout,
        max_entries=5000,
        holds="product summaries only, the same for every user; "
        "stale for at most TIMEOUT, invalidated by the catalog version in Redis",
    )


def catalog_page_cache(timeout):
    """The per-process cache of rendered catalog listings and of the product pages'
    products and shared fragments (shop/catalog/pages.py).

    Bounded by entry count, not by time alone: a crawler walking every search or every
    product makes the least recently used third go when it is full, a few MB a worker
    at most.
    """
    return _per_process_cache(
        "catalog-pages",
        timeout,
        max_entries=300,
        holds="catalog listings and product-page parts, the same for every visitor; "
        "keyed by the catalog version in Redis, stale for at most TIMEOUT",
    )


def _per_process_cache(location, timeout, *, max_entries, holds):
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": location,
        "TIMEOUT": timeout,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
        # Named for `check --tag stateless` and audit_code: the per-process caches this
        # project accepts, because nothing in them is about a user.
        "STATELESS_PER_PROCESS": holds,
    }


def redis_database(url, number):
    """``url`` with its database number replaced by ``number``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))
