"""The "before" profile: classic stateful Django, kept runnable as the migration's start.

Sessions in the database, messages in the session, uploads on the instance's own disk
(MEDIA_ROOT, served by each instance at MEDIA_URL). Session sign-in, the session cart and
uploads on local disk mean it only works on one instance (or with sticky sessions and
shared disk), which is the point of showing it.

``LEGACY_SESSION_STORE`` (read in base) picks the session store legacy shops really use:
``db`` (the default), ``cached_db``, ``redis`` (the cache engine on django-redis),
``locmem`` (the cache engine on each process's memory) or ``file``.
`manage.py check --tag stateless` names what each of them costs.
"""

from .base import *

SESSION_ENGINE = {
    "db": "django.contrib.sessions.backends.db",
    "cached_db": "django.contrib.sessions.backends.cached_db",
    "redis": "django.contrib.sessions.backends.cache",
    "locmem": "django.contrib.sessions.backends.cache",
    "file": "django.contrib.sessions.backends.file",
}[LEGACY_SESSION_STORE]
if LEGACY_SESSION_STORE in ("cached_db", "redis", "locmem"):
    SESSION_CACHE_ALIAS = "sessions"
    CACHES = {
        **CACHES,
        "sessions": legacy_session_cache
        if LEGACY_SESSION_STORE != "locmem"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions"},
    }
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Session login: the identity middleware of Django's session (accounts.identity), and
# no Bearer tokens in the API (the cookie identity only, with CSRF as ever).
MIDDLEWARE = [
    "accounts.middleware.SessionIdentityMiddleware"
    if entry == "accounts.middleware.JWTCookieMiddleware"
    else entry
    for entry in MIDDLEWARE
]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.IdentityAuthentication"],
}

# The cart in request.session, behind the same interface as the Redis one.
CARTS = {**CARTS, "BACKEND": "carts.backends.session.SessionCart"}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATICFILES_STORAGE_BACKEND},
}
