"""The profile pytest runs: the stateless profile on its own data.

Tests use their own database (pytest-django adds the ``test_`` prefix), their own Redis
database number, their own bucket and their own S3 port, so ``make test`` can run while
``make run`` serves and never touches its data.
"""

from .sections.data import redis_cache, redis_database
from .sections.storage import S3_BACKEND, image_origins, s3_storage_options
from .sections.web import content_security_policy
from .stateless import *

# Parallel test workers (pytest-xdist) each keep to their own Redis database, bucket and
# S3 port; pytest-django gives each its own test database.
TEST_WORKER_INDEX = int(TEST_WORKER.removeprefix("gw") or 0)

# Redis database 15 of the configured servers (14, 13, … for further workers).
REDIS_URL = redis_database(REDIS_URL, 15 - TEST_WORKER_INDEX)
CARTS_REDIS_URL = redis_database(CARTS_REDIS_URL, 15 - TEST_WORKER_INDEX)
CACHES = {
    **CACHES,
    "default": redis_cache(REDIS_URL, sentinel_master=REDIS_SENTINEL_MASTER, **REDIS_CONNECTION),
    "carts": redis_cache(
        CARTS_REDIS_URL, sentinel_master=CARTS_REDIS_SENTINEL_MASTER, **REDIS_CONNECTION
    ),
}

# The tests' own moto server, started by tests/conftest.py unless an endpoint is configured.
TEST_S3_ENDPOINT_URL = AWS_S3_ENDPOINT_URL or f"http://127.0.0.1:{9100 + TEST_WORKER_INDEX}"
AWS_STORAGE_BUCKET_NAME = f"{AWS_STORAGE_BUCKET_NAME}-test{TEST_WORKER_INDEX or ''}"
STORAGES = {
    "default": {
        "BACKEND": S3_BACKEND,
        "OPTIONS": s3_storage_options(
            TEST_S3_ENDPOINT_URL,
            AWS_STORAGE_BUCKET_NAME,
            local=AWS_S3_ENDPOINT_URL is None,
            region_name=AWS_S3_REGION_NAME,
            access_key=AWS_ACCESS_KEY_ID,
            secret_key=AWS_SECRET_ACCESS_KEY,
            custom_domain=AWS_S3_CUSTOM_DOMAIN,
            url_protocol=AWS_S3_URL_PROTOCOL,
            querystring_auth=AWS_QUERYSTRING_AUTH,
        ),
    },
    # Tests render templates without running collectstatic first.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CONTENT_SECURITY_POLICY = content_security_policy(*image_origins(STORAGES["default"]["OPTIONS"]))

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# Hashing strength is not under test; speed is. PBKDF2 stays available for users that
# tests create for app processes, which run the stateless profile and its hashers.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Sent mail is kept in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
