"""legacy-cache: the legacy profile with sessions in each process's own memory.

What many Django sites do to make database sessions fast: ``SESSION_ENGINE = cache`` on
a per-process locmem cache. It is fast because nothing leaves the process, and it is
correct only while every request of a shopper reaches the same process (sticky
sessions, one worker per sticky target). The benchmark shows both sides.

Django's locmem cache culls at 300 entries by default, which would silently drop carts
long before memory shows anything; the limit is lifted so that growth is what we see.
"""

from shop.settings.legacy import *  # noqa: F403 - a profile extends a profile

SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "sessions"
CACHES = {
    **CACHES,  # noqa: F405
    "sessions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "sessions",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 10_000_000},
    },
}
