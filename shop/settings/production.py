"""The stateless profile hardened for the internet; ``check --deploy`` passes clean.

It refuses to start with the development secret key: a shop whose signing key is public
signs every cookie for anybody.
"""

from django.core.exceptions import ImproperlyConfigured

from .sections.storage import S3_BACKEND, image_origins, s3_storage_options
from .sections.web import content_security_policy
from .stateless import *

if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in "
        'production. Generate one with: python -c "from django.core.management.utils '
        'import get_random_secret_key; print(get_random_secret_key())"'
    )
if JWT_SIGNING_KEY == DEV_JWT_SIGNING_KEY or (
    JWT_ALGORITHM.startswith("HS") and len(JWT_SIGNING_KEY) < 50
):
    raise ImproperlyConfigured(
        "JWT_SIGNING_KEY must be set in production: a random value of at least 50 "
        "characters for HS256, or a PEM private key for RS256/ES256. It must differ "
        "from DJANGO_SECRET_KEY."
    )
if DEV_JWT_SIGNING_KEY in JWT_PREVIOUS_SIGNING_KEYS:
    raise ImproperlyConfigured(
        "JWT_PREVIOUS_SIGNING_KEYS lists the development key, which anybody can sign with."
    )
if JWT_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from DJANGO_SECRET_KEY.")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")

# TLS ends at the load balancer, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Probes talk plain HTTP to the pod; they must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
AUTH_COOKIE_SECURE = True
# __Host- cookies are Secure, host-only and Path=/: no subdomain can set or shadow them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
AUTH_ACCESS_COOKIE = "__Host-shop_access"
AUTH_REFRESH_COOKIE = "__Host-shop_refresh"
CART_COOKIE = "__Host-shop_cart"
CARTS_EVICTION_CHECK_LEVEL = "error"
# No endpoint means AWS S3 itself (never the local development endpoint), with
# credentials from the environment or the instance role; a CDN in front of the bucket is
# reached over HTTPS too.
AWS_S3_URL_PROTOCOL = "https:"
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": S3_BACKEND,
        "OPTIONS": s3_storage_options(
            AWS_S3_ENDPOINT_URL,
            AWS_STORAGE_BUCKET_NAME,
            region_name=AWS_S3_REGION_NAME,
            access_key=AWS_ACCESS_KEY_ID,
            secret_key=AWS_SECRET_ACCESS_KEY,
            custom_domain=AWS_S3_CUSTOM_DOMAIN,
            url_protocol=AWS_S3_URL_PROTOCOL,
            querystring_auth=AWS_QUERYSTRING_AUTH,
        ),
    },
}
CONTENT_SECURITY_POLICY = content_security_policy(*image_origins(STORAGES["default"]["OPTIONS"]))
