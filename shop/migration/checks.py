"""``manage.py check --tag stateless``: where this configuration keeps state between requests.

Errors (``stateless.E0xx``) are state that round robin breaks: a request that lands on
another worker or instance does not see what the previous one stored. Warnings
(``stateless.W0xx``) are shared server-side state that works behind round robin but that
the migration removes (sessions in the database or in a shared cache, the session cart,
session messages, the CSRF secret in the session). The carts Redis eviction check
(``carts.W001``/``carts.E001``) carries the same tag.

Like Django's deployment checks, these run only when asked for (``check --tag stateless``,
or ``check --deploy``): a legacy shop keeps running ``migrate`` and ``runserver`` while it
is being audited. Registered with ``deploy=True``; our ``check`` command adds the
deployment checks when the ``stateless`` tag is requested.

A per-process cache is an error unless its ``CACHES`` entry names why it is safe::

    "catalog": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        # Product summaries only: the same for every user, stale for at most TIMEOUT.
        "STATELESS_PER_PROCESS": "non-user product summaries, versioned in Redis",
    }

That sanction covers what the code puts into that alias (``audit_code`` accepts
``caches["catalog"]``); it never excuses sessions, throttles or the ``default`` alias,
which Django and third-party apps fill with per-user data on their own.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core import cache as django_cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import Error, Warning, register
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string

from carts.backends import cart_class
from carts.backends.session import SessionCart

TAG = "stateless"
SANCTION = "STATELESS_PER_PROCESS"
PER_PROCESS_BACKENDS = (LocMemCache, FileBasedCache)
# Build artefacts (collectstatic output), identical on every instance: not state.
BUILD_STORAGES = ("staticfiles",)

SESSIONS_HINT = (
    "Identity belongs in the JWT cookies (shop.settings.stateless); the migration guide's "
    "bridge release moves signed-in shoppers without signing them out."
)


def per_process_backend(alias):
    """The per-process cache class behind ``alias`` (a missing alias counts, as Django's
    default is LocMemCache), or None when the alias is shared."""
    config = settings.CACHES.get(alias)
    if config is None:
        return LocMemCache
    try:
        backend = import_string(config["BACKEND"])
    except ImportError:
        return None  # Django's own caches check reports a backend that cannot be imported
    return backend if issubclass(backend, PER_PROCESS_BACKENDS) else None


def sanctioned(alias):
    """The reason ``CACHES[alias]`` gives for being per process, or None."""
    reason = settings.CACHES.get(alias, {}).get(SANCTION)
    return reason if isinstance(reason, str) and reason.strip() else None


@register(TAG, deploy=True)
def check_sessions(app_configs=None, **kwargs):
    engine = settings.SESSION_ENGINE
    try:
        store = import_module(engine).SessionStore
    except (ImportError, AttributeError, RuntimeError):
        return []  # a broken engine fails every request already; not ours to report
    from django.contrib.sessions.backends import cache, cached_db, db, file

    if issubclass(store, file.SessionStore):
        return [
            Error(
                f"SESSION_ENGINE {engine!r} keeps sessions in files on each instance's disk: "
                "a shopper whose next request lands on another instance is signed out.",
                hint=SESSIONS_HINT,
                id="stateless.E001",
            )
        ]
    if issubclass(store, cache.SessionStore | cached_db.SessionStore):
        alias = settings.SESSION_CACHE_ALIAS
        backend = per_process_backend(alias)
        if backend is not None:
            return [
                Error(
                    f"SESSION_ENGINE {engine!r} keeps sessions in cache alias {alias!r}, "
                    f"a {backend.__name__} that lives in each process: the next request on "
                    "another worker has no session (or, with cached_db, a stale one).",
                    hint=f"{SESSIONS_HINT} Until then, point SESSION_CACHE_ALIAS at Redis "
                    "(django_redis.cache.RedisCache).",
                    id="stateless.E002",
                )
            ]
    if issubclass(store, db.SessionStore | cache.SessionStore):
        return [
            Warning(
                f"SESSION_ENGINE {engine!r} keeps a server-side session per shopper: every "
                "signed-in request reads it, and it must be shared by every instance.",
                hint=f"{SESSIONS_HINT} `manage.py audit_sessions` shows what the sessions "
                "hold; the stateless profile uses signed_cookies, which nothing writes.",
                id="stateless.W001",
            )
        ]
    return []


@register(TAG, deploy=True)
def check_caches(app_configs=None, **kwargs):
    messages = []
    default = per_process_backend("default")
    if default is not None:
        where = "is not set" if "default" not in settings.CACHES else f"is a {default.__name__}"
        messages.append(
            Error(
                f"The 'default' cache {where}: Django's default is per process, and throttles, "
                "cache sessions and third-party apps write per-user data there, which the "
                "next request on another worker does not see.",
                hint="Point CACHES['default'] at Redis (django_redis.cache.RedisCache). "
                f"A {SANCTION!r} reason does not apply to 'default'.",
                id="stateless.E003",
            )
        )
    for alias in settings.CACHES:
        backend = per_process_backend(alias)
        if alias == "default" or backend is None or sanctioned(alias):
            continue
        messages.append(
            Error(
                f"Cache alias {alias!r} is a {backend.__name__}, kept in each process: what one "
                "request stores there, a request on another worker does not see.",
                hint="Point it at Redis, or, if it only ever holds data that is the same for "
                f"every user and may be stale for its TIMEOUT, say so in CACHES[{alias!r}]: "
                f'"{SANCTION}": "<why>".',
                id="stateless.E006",
            )
        )
    return messages


@register(TAG, deploy=True)
def check_storages(app_configs=None, **kwargs):
    messages = []
    for alias, config in settings.STORAGES.items():
        if alias in BUILD_STORAGES:
            continue
        try:
            backend = import_string(config["BACKEND"])
        except ImportError:
            continue  # Django fails to open the storage with its own message
        if issubclass(backend, FileSystemStorage):
            messages.append(
                Error(
                    f"STORAGES[{alias!r}] is a FileSystemStorage: an upload lands on one "
                    "instance's disk and is missing (404) on every other.",
                    hint="Copy MEDIA_ROOT to the bucket with `manage.py migrate_media_to_s3`, "
                    "then name django-storages' storages.backends.s3.S3Storage (this shop "
                    "names shop.core.storage.S3Storage, which loads it on first use).",
                    id="stateless.E004",
                )
            )
    return messages


@register(TAG, deploy=True)
def check_throttles(app_configs=None, **kwargs):
    messages = []
    rest_framework = getattr(settings, "REST_FRAMEWORK", {})
    for path in rest_framework.get("DEFAULT_THROTTLE_CLASSES", []):
        try:
            throttle = import_string(path)
        except ImportError:
            continue  # DRF raises its own ImportError at the first request
        backend = _cache_backend(getattr(throttle, "cache", None))
        if backend is not None and issubclass(backend, PER_PROCESS_BACKENDS):
            messages.append(
                Error(
                    f"Throttle {path!r} counts requests in a {backend.__name__}, per process: "
                    "behind round robin each worker allows the full rate, so the limit is "
                    "multiplied by the number of workers.",
                    hint="Count in Redis: a 'default' cache on django_redis, or a `cache` "
                    "class attribute naming one (see accounts/throttling.py).",
                    id="stateless.E005",
                )
            )
    return messages


@register(TAG, deploy=True)
def check_session_writers(app_configs=None, **kwargs):
    """Messages, carts and CSRF secrets written into the session."""
    messages = []
    storage = import_string(settings.MESSAGE_STORAGE)
    if issubclass(storage, SessionStorage | FallbackStorage):
        how = (
            "in the session"
            if issubclass(storage, SessionStorage)
            else ("in the session whenever they do not fit the cookie")
        )
        messages.append(
            Warning(
                f"MESSAGE_STORAGE {settings.MESSAGE_STORAGE!r} keeps flash messages {how}.",
                hint="Use django.contrib.messages.storage.cookie.CookieStorage: messages are "
                "short and signed.",
                id="stateless.W002",
            )
        )
    if _session_cart_backends():
        messages.append(
            Warning(
                f"CARTS names the session cart ({', '.join(_session_cart_backends())}): "
                "carts live in request.session, and two tabs saving it at once lose lines.",
                hint="Carts belong in Redis (carts.backends.redis.RedisCart); "
                "`manage.py migrate_session_carts` moves the carts already in sessions.",
                id="stateless.W003",
            )
        )
    if settings.CSRF_USE_SESSIONS:
        messages.append(
            Warning(
                "CSRF_USE_SESSIONS = True keeps the CSRF secret in the session.",
                hint="Set CSRF_USE_SESSIONS = False in a release of its own, before the bridge "
                "release: switching it while forms are open answers their posts with 403.",
                id="stateless.W004",
            )
        )
    return messages


def _session_cart_backends():
    """Dotted paths in CARTS (the backend, or one its OPTIONS name, such as a mirror) that
    are session carts."""
    backend, options = cart_class()
    found = (
        [f"{backend.__module__}.{backend.__qualname__}"] if issubclass(backend, SessionCart) else []
    )
    for value in options.values():
        if isinstance(value, str) and "." in value:
            try:
                named = import_string(value)
            except ImportError:
                continue  # an option value that is not a class path
            if isinstance(named, type) and issubclass(named, SessionCart):
                found.append(value)
    return found


def _cache_backend(cache):
    """The class of a throttle's cache: Django's ``cache`` proxy stands for 'default'."""
    if cache is django_cache.cache:
        return per_process_backend("default")
    return type(cache) if isinstance(cache, BaseCache) else None
