"""Settings shared by every profile, and the one module that reads the environment.

Profiles (``stateless``, ``legacy``, ``test``, ``production``) import this module and
differ only in which backends they name. Every value that can differ between machines
comes from an environment variable read below, with a development default that is safe
on a laptop; ``production`` refuses the development defaults that would be unsafe.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from botocore.config import Config as BotoConfig

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
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin with our sign-in views (JWT cookies, no server-side session).
    "accounts.apps.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "storages",
    "accounts",
    "shop",
    "shop.catalog",
    "shop.orders",
    "carts",
]

MIDDLEWARE = [
    # Outermost, so that every response (static files and errors included) names its worker.
    "shop.middleware.ServedByMiddleware",
    "shop.middleware.PrivateByDefaultMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag and 304s for every GET, so that cacheable catalog pages revalidate cheaply.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, with request.user from the JWT cookies (it
    # rotates an expired pair); the legacy profile puts Django's own back.
    "accounts.middleware.JWTCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.cart_session finds the cart only when asked: the catalog never touches Redis.
    "carts.middleware.CartMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.identity",
                "carts.context_processors.cart_count",
                "shop.context_processors.storefront",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
DATABASES = {"default": env.db_url_config(DATABASE_URL or DEV_DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The fallback where PostgreSQL cannot be had: WAL lets readers run beside the writer,
    # IMMEDIATE transactions take the write lock up front and the timeout waits for it, so
    # concurrent checkouts queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # A dead database must fail a request (and /readyz) quickly, not hang a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DATABASE_CONNECT_TIMEOUT", default=2
    )

# --- Redis ------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Seconds. Short on purpose: a Redis outage must become a fast 503, never a hung worker.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)

# Carts may live on a Redis of their own (replicated, noeviction); by default the same one.
CARTS_REDIS_URL = env.str("CARTS_REDIS_URL", default="") or REDIS_URL


def redis_cache(location):
    """A django-redis cache alias. Errors are never swallowed (no IGNORE_EXCEPTIONS):
    a failed cart must be a 503, not an empty cart."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "shop",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
        },
    }


CACHES = {
    # Identity (denylist, refresh successors, login throttles), idempotency records and
    # the catalog version.
    "default": redis_cache(REDIS_URL),
    "carts": redis_cache(CARTS_REDIS_URL),
    # Hot, non-user data only (product summaries): per process, short-lived, and keyed by
    # the catalog version kept in Redis, so a product saved anywhere is seen everywhere.
    "catalog": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "catalog",
        "TIMEOUT": env.int("CATALOG_CACHE_SECONDS", default=60),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
# Seconds a shared cache (CDN) may serve a catalog page before revalidating it.
CATALOG_PAGE_MAX_AGE = env.int("CATALOG_PAGE_MAX_AGE", default=60)
# Seconds a process trusts the catalog version it read from Redis before asking again.
CATALOG_VERSION_SECONDS = env.float("CATALOG_VERSION_SECONDS", default=1.0)

# --- Carts --------------------------------------------------------------------------------------

CARTS = {
    "BACKEND": "carts.backends.redis.RedisCart",
    "OPTIONS": {
        "ALIAS": "carts",
        "GUEST_TTL": env.int("CART_GUEST_TTL_SECONDS", default=7 * 24 * 3600),
        "USER_TTL": env.int("CART_USER_TTL_SECONDS", default=60 * 24 * 3600),
        "MAX_LINES": env.int("CART_MAX_LINES", default=100),
        "MAX_QUANTITY": env.int("CART_MAX_QUANTITY", default=99),
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

# --- Object storage (S3-compatible) ---------------------------------------------------

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


def public_image_domain(endpoint_url, bucket_name):
    """``(url_protocol, custom_domain)`` under which the bucket's public objects are linked.

    Plain string URLs: without a custom domain django-storages signs every URL with
    botocore and then strips the signature again, about a millisecond per image (a
    catalog page shows 24) and a boto3 client per process, just to print links.
    """
    if AWS_S3_CUSTOM_DOMAIN:
        return AWS_S3_URL_PROTOCOL, AWS_S3_CUSTOM_DOMAIN
    if endpoint_url:  # moto, MinIO: path-style on the endpoint
        parts = urlsplit(endpoint_url)
        return f"{parts.scheme}:", f"{parts.netloc}/{bucket_name}"
    return "https:", f"{bucket_name}.s3.{AWS_S3_REGION_NAME}.amazonaws.com"


def image_origins(storage_options):
    """The origins images are served from, for the Content-Security-Policy's img-src."""
    if storage_options.get("custom_domain"):
        domain = storage_options["custom_domain"].split("/")[0]
        return [f"{storage_options['url_protocol']}//{domain}"]
    if storage_options.get("endpoint_url"):  # signed URLs on the endpoint
        parts = urlsplit(storage_options["endpoint_url"])
        return [f"{parts.scheme}://{parts.netloc}"]
    # Signed, path-style URLs on AWS: s3.amazonaws.com in us-east-1, regional elsewhere.
    return ["https://s3.amazonaws.com", f"https://s3.{AWS_S3_REGION_NAME}.amazonaws.com"]


def s3_storage_options(endpoint_url, bucket_name, *, local=False):
    """Return the OPTIONS of django-storages' S3 backend for an endpoint and bucket.

    ``endpoint_url`` None means AWS itself. A ``local`` endpoint (moto) accepts any
    credentials, so it gets a fixed pair unless some are configured. Timeouts are short
    and retries few, so that an unreachable endpoint turns into a form error or a 503 in
    about a second instead of a hung worker.
    """
    return {
        "endpoint_url": endpoint_url,
        "bucket_name": bucket_name,
        "region_name": AWS_S3_REGION_NAME,
        "access_key": AWS_ACCESS_KEY_ID or ("local" if local else None),
        "secret_key": AWS_SECRET_ACCESS_KEY or ("local-secret" if local else None),
        # Signed (querystring) URLs are made by botocore; public ones are plain strings.
        **(
            {"custom_domain": None, "url_protocol": AWS_S3_URL_PROTOCOL}
            if AWS_QUERYSTRING_AUTH
            else dict(
                zip(
                    ("url_protocol", "custom_domain"),
                    public_image_domain(endpoint_url, bucket_name),
                    strict=True,
                )
            )
        ),
        "querystring_auth": AWS_QUERYSTRING_AUTH,
        "addressing_style": "path",
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        "client_config": BotoConfig(
            connect_timeout=1,
            read_timeout=5,
            retries={"total_max_attempts": 2, "mode": "standard"},
            signature_version="s3v4",
        ),
    }


# --- Static files -------------------------------------------------------------------------

STATIC_URL = "/static/"
# Where collectstatic writes (a build artefact, baked into images). Tests use their own.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
# Hashed names let whitenoise send "cache for a year"; a build artefact, not state.
STATICFILES_STORAGE_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"

MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

# --- Content Security Policy (django-csp) -------------------------------------------------


def content_security_policy(*image_origins):
    """No inline script or style anywhere: scripts, styles and fetches from our origin."""
    return {
        # Swagger UI's page is drf-spectacular's, with inline script: left out.
        "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:", *image_origins],
            "connect-src": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
            "base-uri": ["'self'"],
            "object-src": ["'none'"],
        },
    }


# Profiles that store images in a bucket add its origin to img-src.
CONTENT_SECURITY_POLICY = content_security_policy()

# --- Sessions, messages, CSRF -------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The CSRF secret lives in its cookie, never in a session.
CSRF_USE_SESSIONS = False
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["shop.parsers.SafeJSONParser"],
    "EXCEPTION_HANDLER": "shop.api_errors.exception_handler",
    # Proxies in front of the app that append to X-Forwarded-For (nginx: 1). Client
    # addresses for login throttling are read through DRF's get_ident with this.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=1),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "stateless-shop API",
    "DESCRIPTION": "Catalog, cart, checkout and accounts of a shop that keeps no server state.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Identity: JWT ----------------------------------------------------------------------------

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
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    # simplejwt checks these only when set; we always set them.
    "ISSUER": env.str("JWT_ISSUER", default="stateless-shop"),
    "AUDIENCE": env.str("JWT_AUDIENCE", default="stateless-shop"),
    "LEEWAY": env.int("JWT_LEEWAY_SECONDS", default=0),
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

# Login throttling, counted in Redis and shared by every instance: failures per e-mail
# address and per client address within the window answer 429 with Retry-After.
LOGIN_FAILURES_PER_EMAIL = env.int("LOGIN_FAILURES_PER_EMAIL", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"

# --- Checkout ------------------------------------------------------------------------------------

# Payment providers, first one the default; see shop/orders/payments.py.
PAYMENT_PROVIDERS = ["shop.orders.payments.PayOnDelivery"]

# --- E-mail ---------------------------------------------------------------------------------------

# consolemail:// prints messages (development); smtp+tls://user:password@host:587 sends them.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@localhost")
# Seconds; the confirmation is sent after commit, inside the request: never hang a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Demo data and the local admin --------------------------------------------------------

DJANGO_ADMIN_EMAIL = env.str("DJANGO_ADMIN_EMAIL", default="admin@example.com")
DJANGO_ADMIN_PASSWORD = env.str("DJANGO_ADMIN_PASSWORD", default=None)

# --- Logging ------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"botocore": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
}
