"""Legacy session stores: where a session-based shop kept its sessions, read directly.

Each store lists the live sessions in batches, in an order it can resume from, and
deletes sessions by key. None of them goes through ``SESSION_ENGINE``, and none crashes
on a session it cannot decode: that session comes back with ``data=None`` and the
reason, for the commands to count.

Options shared by the stores that keep sessions encoded (database, cached_db, file):
``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` (default: this project's), ``SERIALIZER``
(default ``SESSION_SERIALIZER``; Django 5 has no PickleSerializer, so a shop that used
one names its own class) and ``SALT`` (Django's: ``"django.contrib.sessions.SessionStore"``;
a custom ``SessionStore`` subclass signs with its own class name instead).
"""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string

from . import LegacySession

DJANGO_SALT = "django.contrib.sessions.SessionStore"
CACHE_PREFIX = "django.contrib.sessions.cache"
CACHED_DB_PREFIX = "django.contrib.sessions.cached_db"


class BaseStore:
    """A legacy session store.

    ``batches(position=None, batch_size=…)`` yields ``(sessions, position)``: a list of
    ``LegacySession`` and an opaque string to pass back to resume after that batch.
    ``delete(keys)`` removes sessions, absent ones being fine, and returns how many were
    removed. ``count()`` is the number of sessions, or
    None when the store cannot say without reading them all.
    """

    def __init__(self, **options):
        self.options = options

    # --- The methods a store must implement ----------------------------------------

    def batches(self, *, position=None, batch_size=500):
        raise NotImplementedError

    def delete(self, keys) -> int:
        raise NotImplementedError

    def count(self) -> int | None:
        return None

    # --- Decoding --------------------------------------------------------------------

    def decoded(self, key, raw, *, expires=None):
        """A ``LegacySession`` from Django's encoded form (``SessionBase.encode``)."""
        size = len(raw.encode() if isinstance(raw, str) else raw)
        serializer = self.options.get("SERIALIZER", settings.SESSION_SERIALIZER)
        try:
            data = signing.loads(
                raw,
                key=self.options.get("SECRET_KEY", settings.SECRET_KEY),
                fallback_keys=self.options.get(
                    "SECRET_KEY_FALLBACKS", settings.SECRET_KEY_FALLBACKS
                ),
                salt=self.options.get("SALT", DJANGO_SALT),
                serializer=import_string(serializer),
            )
        except signing.BadSignature:
            return LegacySession(key, None, size, "bad signature (another SECRET_KEY?)", expires)
        except Exception as exc:  # noqa: BLE001 - a serializer raises what its format does
            return LegacySession(key, None, size, f"cannot be decoded: {type(exc).__name__}")
        return _checked(key, data, size, expires)


class DatabaseStore(BaseStore):
    """Sessions in a table like ``django_session`` (the db and cached_db engines).

    Options: ``DATABASE`` (alias, default ``"default"``), ``TABLE`` (``"django_session"``).
    Read with SQL, not the ``Session`` model, so ``django.contrib.sessions`` may already
    be gone from INSTALLED_APPS. Ordered by session key, so a run resumes after a key.
    """

    def _table(self):
        connection = connections[self.options.get("DATABASE", "default")]
        return connection, connection.ops.quote_name(self.options.get("TABLE", "django_session"))

    def count(self):
        connection, table = self._table()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE expire_date > %s", [_now()])  # noqa: S608
            return cursor.fetchone()[0]

    def rows(self, *, position, batch_size):
        connection, table = self._table()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_key, session_data, expire_date FROM {table} "  # noqa: S608
                "WHERE expire_date > %s AND session_key > %s ORDER BY session_key LIMIT %s",
                [_now(), position or "", batch_size],
            )
            return cursor.fetchall()

    def batches(self, *, position=None, batch_size=500):
        while True:
            rows = self.rows(position=position, batch_size=batch_size)
            if not rows:
                return
            position = rows[-1][0]
            sessions = [self.decoded(key, data, expires=_aware(exp)) for key, data, exp in rows]
            yield sessions, position
            if len(rows) < batch_size:
                return

    def delete(self, keys):
        keys = list(keys)
        if not keys:
            return 0
        connection, table = self._table()
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(keys))
            cursor.execute(f"DELETE FROM {table} WHERE session_key IN ({placeholders})", keys)  # noqa: S608
            return cursor.rowcount


class CachedDatabaseStore(DatabaseStore):
    """The cached_db engine: rows in the database, the same sessions in a cache.

    Options as ``DatabaseStore``, plus ``CACHE``: the legacy shop's CACHES entry for
    ``SESSION_CACHE_ALIAS``, copied as it was. A cached copy wins over the row, as it
    does for Django's ``load()``; deleting removes both, or the cache would keep serving
    a session whose row is gone.
    """

    def batches(self, *, position=None, batch_size=500):
        cache = build_cache(self.options["CACHE"])
        for sessions, next_position in super().batches(position=position, batch_size=batch_size):
            cached = _cached_many(cache, [CACHED_DB_PREFIX + s.key for s in sessions])
            yield (
                [
                    _checked(s.key, cached[CACHED_DB_PREFIX + s.key], s.size, s.expires)
                    if CACHED_DB_PREFIX + s.key in cached
                    else s
                    for s in sessions
                ],
                next_position,
            )

    def delete(self, keys):
        keys = list(keys)
        build_cache(self.options["CACHE"]).delete_many([CACHED_DB_PREFIX + k for k in keys])
        return super().delete(keys)


class CacheStore(BaseStore):
    """The cache engine on django-redis: one Redis key per session.

    Option ``CACHE``: the legacy shop's CACHES entry for ``SESSION_CACHE_ALIAS`` as it
    was, so its ``KEY_PREFIX``, ``VERSION``, ``KEY_FUNCTION`` and ``OPTIONS``
    (``SERIALIZER``, ``COMPRESSOR``) find and decode the keys exactly. Listed with
    ``SCAN`` (never ``KEYS``: the shop keeps serving); the position is the SCAN cursor.
    Only django-redis can list its keys, so other caches are refused.
    """

    def __init__(self, **options):
        super().__init__(**options)
        self.cache = build_cache(options["CACHE"])
        if not hasattr(self.cache, "client") or not hasattr(self.cache.client, "make_pattern"):
            raise ImproperlyConfigured(
                "LEGACY_SESSIONS CacheStore needs a django-redis cache: other caches cannot "
                "list their keys, so their sessions cannot be migrated."
            )

    def batches(self, *, position=None, batch_size=500):
        client = self.cache.client
        redis = client.get_client(write=False)
        pattern = client.make_pattern(f"{CACHE_PREFIX}*")
        cursor = int(position or 0)
        while True:
            cursor, raw_keys = redis.scan(cursor=cursor, match=pattern, count=batch_size)
            sessions = []
            values = redis.mget(raw_keys) if raw_keys else []
            for raw_key, value in zip(raw_keys, values, strict=True):
                if value is None:
                    continue  # expired between SCAN and MGET
                name = client.reverse_key(raw_key.decode())
                sessions.append(self._session(name[len(CACHE_PREFIX) :], value))
            yield sessions, str(cursor)
            if cursor == 0:
                return

    def _session(self, key, value):
        try:
            data = self.cache.client.decode(value)
        except Exception as exc:  # noqa: BLE001 - the configured serializer's own errors
            return LegacySession(key, None, len(value), f"cannot be decoded: {type(exc).__name__}")
        return _checked(key, data, len(value), None)

    def delete(self, keys):
        keys = [CACHE_PREFIX + k for k in keys]
        return self.cache.delete_many(keys) if keys else 0


class FileStore(BaseStore):
    """The file engine: one file per session in a directory of one instance.

    Options: ``PATH`` (``SESSION_FILE_PATH``, default the temporary directory), ``PREFIX``
    (``SESSION_COOKIE_NAME``, default ``"sessionid"``), ``AGE`` (``SESSION_COOKIE_AGE``
    seconds: a file older than that is expired, as Django's file engine decides). Run
    the command on every instance that had sessions: each kept its own.
    """

    def _directory(self):
        return (
            self.options.get("PATH")
            or getattr(settings, "SESSION_FILE_PATH", None)
            or (tempfile.gettempdir())
        )

    def _files(self):
        prefix = self.options.get("PREFIX", "sessionid")
        age = timedelta(seconds=self.options.get("AGE", settings.SESSION_COOKIE_AGE))
        for entry in sorted(os.scandir(self._directory()), key=lambda e: e.name):
            if entry.name.startswith(prefix) and entry.is_file():
                expires = datetime.fromtimestamp(entry.stat().st_mtime, UTC) + age
                if expires > _now():
                    yield entry, entry.name[len(prefix) :], expires

    def count(self):
        return sum(1 for _ in self._files())

    def batches(self, *, position=None, batch_size=500):
        batch = []
        for entry, key, expires in self._files():
            if position and key <= position:
                continue
            with open(entry.path, encoding="ascii", errors="replace") as file:
                batch.append(self.decoded(key, file.read(), expires=expires))
            if len(batch) == batch_size:
                yield batch, key
                batch = []
        if batch:
            yield batch, batch[-1].key

    def delete(self, keys):
        prefix, removed = self.options.get("PREFIX", "sessionid"), 0
        for key in keys:
            try:
                os.unlink(os.path.join(self._directory(), prefix + os.path.basename(key)))
                removed += 1
            except FileNotFoundError:
                pass
        return removed


class PerProcessStore(BaseStore):
    """Sessions in a per-process cache (LocMemCache): nothing another process can read.

    Named so that the commands say so plainly instead of finding zero sessions: those
    sessions live in each worker's memory and end with it; shoppers sign in again.
    """

    def __init__(self, **options):
        raise ImproperlyConfigured(
            "LEGACY_SESSIONS names sessions kept in a per-process cache: they live in each "
            "worker's memory, no other process can read them, and they end with the worker. "
            "There is nothing to migrate: those shoppers sign in again."
        )


def build_cache(config):
    """A cache backend from a CACHES-shaped entry, without registering an alias."""
    params = dict(config)
    backend = import_string(params.pop("BACKEND"))
    return backend(params.pop("LOCATION", ""), params)


def _cached_many(cache, keys):
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001 - one undecodable value fails the batch; retry singly
        found = {}
        for key in keys:
            try:
                value = cache.get(key)
            except Exception:  # noqa: BLE001, S112 - that value's own decoding error: use the row
                continue
            if value is not None:
                found[key] = value
        return found


def _checked(key, data, size, expires):
    if not isinstance(data, dict):
        return LegacySession(key, None, size, f"not a session dict ({type(data).__name__})")
    return LegacySession(key, data, size, None, expires)


def _now():
    return timezone.now()


def _aware(value):
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value
