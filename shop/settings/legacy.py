"""The "before" profile: classic stateful Django, kept runnable as the migration's start.

Sessions in the database, messages in the session, uploads on the instance's own disk.
It only works behind sticky sessions or on one instance, which is the point of showing it.
The cart and login backends join this profile with their own issues.
"""

from .base import *

SESSION_ENGINE = "django.contrib.sessions.backends.db"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATICFILES_STORAGE_BACKEND},
}
