"""The one place where findings of ``audit_code`` in this project's own code are accepted.

Each entry is ``(path relative to BASE_DIR, rule): reason``. Only code that exists to be
the legacy "before", chosen by a profile's settings, belongs here; anything the stateless
profile runs must report nothing.
"""

ALLOWED = {
    ("accounts/identity/session.py", "login-call"): (
        "the session identity backend: the one place the legacy profile signs in and out "
        "with Django's login()/logout(), chosen by its MIDDLEWARE"
    ),
    ("carts/locators.py", "session-read"): (
        "SessionCartLocator, the locator the legacy session cart backend names: the session "
        "is that cart's owner"
    ),
    ("carts/backends/session.py", "session-read"): (
        "the legacy session cart backend, named in CARTS by the legacy profile only"
    ),
    ("carts/backends/session.py", "session-write"): (
        "the legacy session cart backend, named in CARTS by the legacy profile only"
    ),
}
