"""Settings shared by every profile, and the one module that reads the environment.

Profiles (``stateless``, ``legacy``, ``test``, ``production``) import this module and
differ only in which backends they name. Every value that can differ between machines
comes from an environment variable read below, with a development default that is safe
on a laptop; ``production`` refuses the development defaults that would be unsafe.

The builders in ``shop/settings/sections/`` take every value they use as an argument:
a profile that overrides a value calls the builder again with its own, and never
changes a dict it imported from here.
"""

import socket
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .sections import core, data, web

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# `make run` keeps the generated local admin password in `.env`; real deployments set
# variables in their environment and have no such file.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -----------------------------------------------------------------------------

# Recognisable on purpose: `production` refuses to start with it.
DEV_SECRET_KEY = "django-insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
# Old keys still accepted for signatures while they age out (Django's key rotation).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# pytest-xdist's worker name ("gw0", "gw1", …) while the tests run in parallel: the test
# profile gives each worker its own Redis database, bucket and S3 port. Empty elsewhere.
TEST_WORKER = env.str("PYTEST_XDIST_WORKER", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The same on every machine; listed, with the reasons for their order, in sections/core.py.
INSTALLED_APPS = core.INSTALLED_APPS
MIDDLEWARE = core.MIDDLEWARE
TEMPLATES = core.templates(BASE_DIR)
AUTH_PASSWORD_VALIDATORS = core.AUTH_PASSWORD_VALIDATORS
ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database ---------------------------------------------------------------------------

# Empty means the local development database that `make run` creates; production
# refuses to start without one.
DATABASE_URL = env.str("DATABASE_URL", default="")
DEV_DATABASE_URL = "postgres://shop:shop@127.0.0.1:5432/stateless_shop"
DATABASE_CONN_MAX_AGE = env.int("DATABASE_CONN_MAX_AGE", default=60)
# Seconds to wait for PostgreSQL to accept a connection.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=2)
# Seconds after which the server cancels a statement (0: never). A one-off job with long
# statements (a migration that builds an index on a big table) sets 0 for itself.
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=5)
# Seconds a worker waits for any answer from PostgreSQL before giving up on the
# connection (0: forever). Longer than the statement timeout, so that a slow statement
# is cancelled by the server and only a silent one is cut here; off with it by default,
# so that a job turning statement timeouts off is not cut here instead.
DATABASE_READ_TIMEOUT = env.float(
    "DATABASE_READ_TIMEOUT",
    default=DATABASE_STATEMENT_TIMEOUT + 5 if DATABASE_STATEMENT_TIMEOUT else 0,
)
DATABASES = {
    "default": data.database(
        DATABASE_URL or DEV_DATABASE_URL,
        conn_max_age=DATABASE_CONN_MAX_AGE,
        connect_timeout=DATABASE_CONNECT_TIMEOUT,
        statement_timeout=DATABASE_STATEMENT_TIMEOUT,
        read_timeout=DATABASE_READ_TIMEOUT,
    )
}

# --- Redis and caches -------------------------------------------------------------------

# redis:// or, for TLS, rediss://. With Sentinels, only its scheme, credentials and
# database number count: the Sentinels name the primary's address.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Carts may live on a Redis of their own (replicated, noeviction); by default the same one.
CARTS_REDIS_URL = env.str("CARTS_REDIS_URL", default="") or REDIS_URL
# Seconds. Short on purpose: a Redis outage must become a fast 503, never a hung worker.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
# How every Redis alias connects (the keyword arguments of data.redis_cache; a profile
# that rebuilds an alias passes them again). See docs/redis-ha.md.
REDIS_CONNECTION = {
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    # Sentinels (host:port, comma-separated) to ask for the primary; empty: one server.
    "sentinels": env.list("REDIS_SENTINELS", default=[]),
    # The Sentinels' own password, if they have one (requirepass in sentinel.conf).
    "sentinel_password": env.str("REDIS_SENTINEL_PASSWORD", default=""),
    # CA bundle that signed the servers' certificates, for rediss://; empty: the system's.
    "tls_ca_file": env.str("REDIS_TLS_CA_FILE", default=""),
}
# The names the Sentinels monitor the primaries under.
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="mymaster")
CARTS_REDIS_SENTINEL_MASTER = (
    env.str("CARTS_REDIS_SENTINEL_MASTER", default="") or REDIS_SENTINEL_MASTER
)
# Seconds a process keeps a product summary or a rendered catalog listing (both keyed by
# the catalog version, see below).
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=60)

CACHES = {
    # Identity (denylist, refresh successors, login throttles), idempotency records and
    # the catalog version.
    "default": data.redis_cache(
        REDIS_URL, sentinel_master=REDIS_SENTINEL_MASTER, **REDIS_CONNECTION
    ),
    "carts": data.redis_cache(
        CARTS_REDIS_URL, sentinel_master=CARTS_REDIS_SENTINEL_MASTER, **REDIS_CONNECTION
    ),
    "catalog": data.catalog_cache(CATALOG_CACHE_SECONDS),
    "catalog_pages": data.catalog_page_cache(CATALOG_CACHE_SECONDS),
}
# Seconds a shared cache (CDN) may serve a catalog page before revalidating it.
CATALOG_PAGE_MAX_AGE = env.int("CATALOG_PAGE_MAX_AGE", default=60)
# Seconds a process trusts the catalog version it read from Redis before asking again.
CATALOG_VERSION_SECONDS = env.float("CATALOG_VERSION_SECONDS", default=1.0)

# --- Carts ------------------------------------------------------------------------------

CARTS = {
    "BACKEND": "carts.backends.redis.RedisCart",
    "OPTIONS": {
        "ALIAS": "carts",
        "GUEST_TTL": env.int("CART_GUEST_TTL_SECONDS", default=7 * 24 * 3600),
        "USER_TTL": env.int("CART_USER_TTL_SECONDS", default=60 * 24 * 3600),
        "MAX_LINES": env.int("CART_MAX_LINES", default=100),
        "MAX_QUANTITY": env.int("CART_MAX_QUANTITY", default=99),
        # Replicas that must hold a cart write before it is acknowledged (WAIT), so
        # that a failover keeps it; within this many milliseconds (less than the socket
        # timeout), else the write is a 503. 0: asynchronous replication only.
        "WAIT_REPLICAS": env.int("CARTS_WAIT_REPLICAS", default=0),
        "WAIT_TIMEOUT_MS": env.int("CARTS_WAIT_TIMEOUT_MS", default=100),
    },
}
CART_COOKIE = "shop_cart"
CART_COUNT_COOKIE = "shop_cart_count"
# "error" in production: a carts Redis that may evict keys loses shoppers' carts.
CARTS_EVICTION_CHECK_LEVEL = "warning"
# Idempotency records (cart adds, checkout) are kept this long.
IDEMPOTENCY_TTL_SECONDS = env.int("IDEMPOTENCY_TTL_SECONDS", default=24 * 3600)
# A request holding an idempotency key's lock longer than this is presumed dead.
IDEMPOTENCY_LOCK_SECONDS = env.int("IDEMPOTENCY_LOCK_SECONDS", default=30)

# --- Object storage (S3-compatible) -----------------------------------------------------

# Profiles that store in a bucket build STORAGES with s3_storage_options from these.
# Empty means "the local endpoint": `make run` and the tests start moto's server there.
LOCAL_S3_ENDPOINT_URL = "http://127.0.0.1:9000"
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="stateless-shop")
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
# None lets boto3 find credentials itself (instance role, ~/.aws).
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
# A CDN or public bucket domain ("cdn.example.com"). Without one, image URLs point at the
# bucket itself (see public_image_domain); no URL is ever built by calling S3.
AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)
# Product images are public; signed, expiring URLs would defeat page caching.
AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=False)
AWS_S3_URL_PROTOCOL = env.str("AWS_S3_URL_PROTOCOL", default="http:")
# Largest product image the admin accepts, in bytes.
PRODUCT_IMAGE_MAX_BYTES = env.int("PRODUCT_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
# Largest product image the admin decodes, in pixels (width times height), checked from
# the file's header before the pixels are decoded: 25 million is a 6000 by 4000 photo
# and about 100 MB of memory once decoded; a small file can claim far more (a bomb).
PRODUCT_IMAGE_MAX_PIXELS = env.int("PRODUCT_IMAGE_MAX_PIXELS", default=25_000_000)

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "/static/"
# Where collectstatic writes (a build artefact, baked into images). Tests use their own.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
# Hashed names let whitenoise send "cache for a year"; a build artefact, not state.
STATICFILES_STORAGE_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
# Source maps (Swagger UI ships megabytes of them) are read by developer tools only:
# not worth compressing at every build.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

MEDIA_URL = "/media/"
# Uploads on local disk (the legacy profile's default storage). Each machine has its own;
# `make demo-migration` gives each instance its own folder to show what that costs.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))

# --- Content Security Policy (django-csp) -----------------------------------------------

# Profiles that store images in a bucket add its origins (image_origins) to img-src.
CONTENT_SECURITY_POLICY = web.content_security_policy()

# --- Sessions, messages, CSRF -----------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The CSRF secret lives in its cookie, never in a session.
CSRF_USE_SESSIONS = False
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Legacy sessions: the migration's "before", and its input -----------------------------

# Where the legacy profile keeps sessions: db (the default), cached_db (the database behind
# a Redis cache), redis (django-redis cache sessions), locmem (each process's memory) or
# file (each instance's disk). shop/settings/legacy.py turns it into SESSION_ENGINE.
LEGACY_SESSION_STORE = env.str("LEGACY_SESSION_STORE", default="db")
# The legacy sessions' cache (redis, cached_db): the default Redis, a key prefix of its own.
legacy_session_cache = {
    **data.redis_cache(REDIS_URL, sentinel_master=REDIS_SENTINEL_MASTER, **REDIS_CONNECTION),
    "KEY_PREFIX": "legacy-sessions",
}
# The same store as the migration commands read it, whatever SESSION_ENGINE the running
# profile names (shop/migration/legacy): the one setting beyond CARTS, and the reason is
# there. A shop migrating its own sessions names its old store here.
_legacy_stores = "shop.migration.legacy.stores"
LEGACY_SESSIONS = {
    "db": {"BACKEND": f"{_legacy_stores}.DatabaseStore"},
    "cached_db": {
        "BACKEND": f"{_legacy_stores}.CachedDatabaseStore",
        "OPTIONS": {"CACHE": legacy_session_cache},
    },
    "redis": {
        "BACKEND": f"{_legacy_stores}.CacheStore",
        "OPTIONS": {"CACHE": legacy_session_cache},
    },
    "locmem": {"BACKEND": f"{_legacy_stores}.PerProcessStore"},
    "file": {"BACKEND": f"{_legacy_stores}.FileStore"},
}.get(LEGACY_SESSION_STORE)
if LEGACY_SESSIONS is None:
    raise ImproperlyConfigured(
        f"LEGACY_SESSION_STORE={LEGACY_SESSION_STORE!r}: use db, cached_db, redis, locmem or file."
    )

# --- API --------------------------------------------------------------------------------

# Largest request body read into memory, in bytes: JSON API bodies (DRF applies it from
# 3.17.2 on) and form fields alike; a larger one is a 413. Uploaded files do not count
# (PRODUCT_IMAGE_MAX_BYTES bounds those).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_BYTES", default=1024 * 1024)
# Abuse limits shared by every instance through Redis (shop/core/throttling.py): DRF
# rates, "<requests>/<second|minute|hour|day>", each counted per what its comment says;
# over one, 429 with Retry-After. An empty value switches that limit off.
THROTTLE_RATES = {
    scope: env.str(variable, default=default) or None
    for scope, variable, default in (
        ("register", "RATE_LIMIT_REGISTER", "10/hour"),  # per client address
        ("refresh", "RATE_LIMIT_REFRESH", "60/hour"),  # per sign-in (about 12 an hour in use)
        ("checkout", "RATE_LIMIT_CHECKOUT", "30/hour"),  # per user
        ("cart", "RATE_LIMIT_CART_WRITES", "120/minute"),  # per cart
        ("password_reset", "RATE_LIMIT_PASSWORD_RESET", "10/hour"),  # per client address
        ("password_reset_email", "RATE_LIMIT_PASSWORD_RESET_EMAIL", "3/hour"),  # per e-mail
        ("email_change", "RATE_LIMIT_EMAIL_CHANGE", "5/hour"),  # per user
    )
}
REST_FRAMEWORK = web.rest_framework_settings(
    num_proxies=env.int("DJANGO_NUM_PROXIES", default=1), throttle_rates=THROTTLE_RATES
)
SPECTACULAR_SETTINGS = web.SPECTACULAR_SETTINGS
# Powerful browser features the shop never uses, switched off for every page.
PERMISSIONS_POLICY = web.PERMISSIONS_POLICY

# --- Identity: JWT ----------------------------------------------------------------------

# Signs tokens; deliberately not SECRET_KEY, so either can be rotated alone. For RS256 or
# ES256 it is a PEM private key and the public keys are published at /.well-known/jwks.json.
DEV_JWT_SIGNING_KEY = "development-jwt-signing-key-never-use-in-production"
JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="HS256")
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=DEV_JWT_SIGNING_KEY, multiline=True)
# Keys rotated out that still verify tokens until those expire ("||"-separated, as PEM
# keys span lines). Remove a key once a refresh lifetime has passed since it was current.
JWT_PREVIOUS_SIGNING_KEYS = [
    key.strip()
    for key in env.str("JWT_PREVIOUS_SIGNING_KEYS", default="", multiline=True).split("||")
    if key.strip()
]
# A just-rotated refresh token presented again within this many seconds gets the same
# successor (two tabs racing), instead of being treated as stolen.
JWT_REFRESH_GRACE_SECONDS = env.int("JWT_REFRESH_GRACE_SECONDS", default=30)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_LIFETIME", default=300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        seconds=env.int("JWT_REFRESH_LIFETIME", default=7 * 24 * 3600)
    ),
    "ROTATE_REFRESH_TOKENS": True,
    # accounts.services rotates and revokes through SignIn rows, not simplejwt's blacklist.
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    # simplejwt checks these only when set; we always set them.
    "ISSUER": env.str("JWT_ISSUER", default="stateless-shop"),
    "AUDIENCE": env.str("JWT_AUDIENCE", default="stateless-shop"),
    # Seconds of clock difference between instances tolerated in iat, nbf and exp:
    # a token issued by an instance whose clock runs ahead is not "from the future".
    "LEEWAY": env.int("JWT_LEEWAY_SECONDS", default=5),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": "typ",
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# Browser cookies holding the tokens: HttpOnly always, Secure in production (where the
# names carry the __Host- prefix), SameSite=Lax so that links from other sites still
# arrive signed in while cross-site POSTs do not carry them.
AUTH_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
AUTH_ACCESS_COOKIE = "shop_access"
AUTH_REFRESH_COOKIE = "shop_refresh"
# Display only, readable by the page's script: lets cacheable pages show "Account" rather
# than "Sign in" without asking the server. It grants nothing.
AUTH_HINT_COOKIE = "shop_signed_in"
AUTH_COOKIE_SAMESITE = "Lax"

# Sign-in throttling, counted in Redis and shared by every instance (accounts/throttling.py
# has the policy): an (e-mail, address) pair gets free failures, then delays from
# LOGIN_DELAY_SECONDS doubling up to LOGIN_MAX_DELAY_SECONDS; the per-e-mail and
# per-address ceilings (failures within the window) spare pairs that signed in before.
LOGIN_FREE_FAILURES = env.int("LOGIN_FREE_FAILURES", default=5)
LOGIN_DELAY_SECONDS = env.int("LOGIN_DELAY_SECONDS", default=2)
LOGIN_MAX_DELAY_SECONDS = env.int("LOGIN_MAX_DELAY_SECONDS", default=900)
LOGIN_FAILURES_PER_EMAIL = env.int("LOGIN_FAILURES_PER_EMAIL", default=50)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=100)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=3600)
LOGIN_KNOWN_ADDRESS_SECONDS = env.int("LOGIN_KNOWN_ADDRESS_SECONDS", default=30 * 24 * 3600)
# Seconds a password reset link (and an e-mail change link) stays valid.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"

# --- Checkout ---------------------------------------------------------------------------

# Payment providers, first one the default; see shop/orders/payments.py.
PAYMENT_PROVIDERS = ["shop.orders.payments.PayOnDelivery"]

# --- E-mail -----------------------------------------------------------------------------

# consolemail:// prints messages (development); smtp+tls://user:password@host:587 sends them.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@localhost")
# Seconds; the confirmation is sent after commit, inside the request: never hang a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Demo data and the local admin ------------------------------------------------------

DJANGO_ADMIN_EMAIL = env.str("DJANGO_ADMIN_EMAIL", default="admin@example.com")
DJANGO_ADMIN_PASSWORD = env.str("DJANGO_ADMIN_PASSWORD", default=None)

# --- Logging and metrics ----------------------------------------------------------------

# One JSON line per request (shop/requestlog.py) names the instance that answered.
INSTANCE_NAME = env.str("INSTANCE_NAME", default=socket.gethostname())
LOGGING = web.logging_config(level=env.str("DJANGO_LOG_LEVEL", default="INFO"))
# Where gunicorn's workers keep their metric files (deploy/gunicorn.conf.py sets it for
# them); empty in a single process, whose metrics then live in memory.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
