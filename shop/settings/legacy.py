"""The "before" profile: classic stateful Django, kept runnable as the migration's start.

Sessions in the database, messages in the session, uploads on the instance's own disk.
Session sign-in, the session cart and uploads on local disk mean it only works on one
instance (or with sticky sessions and shared disk), which is the point of showing it.
"""

from .base import *

SESSION_ENGINE = "django.contrib.sessions.backends.db"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Session login: Django's own middleware and DRF's session authentication.
MIDDLEWARE = [
    "django.contrib.auth.middleware.AuthenticationMiddleware"
    if entry == "accounts.middleware.JWTCookieMiddleware"
    else entry
    for entry in MIDDLEWARE
]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}

# The cart in request.session, behind the same interface as the Redis one.
CARTS = {**CARTS, "BACKEND": "carts.backends.session.SessionCart"}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATICFILES_STORAGE_BACKEND},
}
