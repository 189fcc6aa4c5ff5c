"""The migration's middle release: it reads both worlds and writes both.

Bridge instances run beside legacy ones behind the same round-robin load balancer
during the rolling deploy, and the legacy release can be deployed again at any moment
(the rollback). So every piece of state is read from wherever either release may have
put it, and written where both will find it:

- Identity (``accounts.identity.bridge.BridgeIdentity``): JWT cookies as in the
  stateless profile; a request with only a valid legacy session is exchanged for JWT
  cookies; a sign-in also writes the legacy session (Django's ``login()``), a sign-out
  ends both. The session store is the legacy one (``LEGACY_SESSION_STORE``, as in
  ``shop.settings.legacy``), so both releases read the same sessions.
- Carts (``carts.backends.bridge.BridgeCart``): Redis first; a session cart the bridge
  has not seen is imported once; every write is mirrored into the session cart
  (``OPTIONS["MIRROR"]``), which is what a legacy instance reads.
- Uploads: S3, as in the stateless profile (media moved at step 1 of the migration,
  ``migrate_media_to_s3``, before this release).
- CSRF: the secret in its cookie (``CSRF_USE_SESSIONS = False``, from base), a release
  before this one, so a form rendered by either release posts to the other.

Messages are kept in the signed cookie (as in the stateless profile), not in the
session: the bridge release is followed by the stateless one, which reads cookies only,
and a cookie travels to every instance. In the window beside legacy instances a flash
message may show one page late (a legacy instance does not read the cookie, a bridge
instance does not read the session), but it is never lost and never shown to another
shopper; no other state rides on messages. ``check --tag stateless`` reports exactly
what this release writes on purpose: the sessions (W001) and the session cart it
mirrors (W003).
"""

from . import legacy
from .base import *
from .sections.storage import S3_BACKEND, image_origins, s3_storage_options
from .sections.web import content_security_policy

# The legacy release's session store (LEGACY_SESSION_STORE), exactly as it names it: the
# engine, and the cache alias the cache-backed stores keep sessions in.
SESSION_ENGINE = legacy.SESSION_ENGINE
CACHES = legacy.CACHES
SESSION_CACHE_ALIAS = vars(legacy).get("SESSION_CACHE_ALIAS", "default")
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# The bridge identity in the JWT cookie middleware's place; the API keeps Bearer tokens
# and the cookie identity (with CSRF), as in the stateless profile.
MIDDLEWARE = [
    "accounts.middleware.BridgeIdentityMiddleware"
    if entry == "accounts.middleware.JWTCookieMiddleware"
    else entry
    for entry in MIDDLEWARE
]
# Display only: which JWT sign-in this browser's legacy session was written with, so that
# a sign-out on a legacy instance (which knows nothing of JWTs) ends it here too.
AUTH_PAIR_COOKIE = "shop_session_pair"

# Redis first, mirrored into the legacy session cart a legacy instance reads.
CARTS = {
    **CARTS,
    "BACKEND": "carts.backends.bridge.BridgeCart",
    "OPTIONS": {**CARTS["OPTIONS"], "MIRROR": "carts.backends.session.SessionCart"},
}

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
