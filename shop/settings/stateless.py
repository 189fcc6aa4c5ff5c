"""The default profile: no process memory and no local disk holds anything about a user.

Identity travels in JWT cookies or Bearer headers (shop and admin alike), carts live in
Redis, flash messages in a cookie, uploads in S3-compatible storage. The signed-cookie
session engine is named only because the admin requires SessionMiddleware; nothing
writes a session. Any worker of any instance can answer any request.
"""

from .base import *
from .sections.storage import S3_BACKEND, image_origins, s3_storage_options
from .sections.web import content_security_policy

SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

STORAGES = {
    "default": {
        "BACKEND": S3_BACKEND,
        "OPTIONS": s3_storage_options(
            AWS_S3_ENDPOINT_URL or LOCAL_S3_ENDPOINT_URL,
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
    "staticfiles": {"BACKEND": STATICFILES_STORAGE_BACKEND},
}
CONTENT_SECURITY_POLICY = content_security_policy(*image_origins(STORAGES["default"]["OPTIONS"]))
