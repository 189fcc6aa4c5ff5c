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
    ("accounts/identity/bridge.py", "session-read"): (
        "the bridge identity (bridge profile only, by its MIDDLEWARE): it reads the legacy "
        "session to exchange it for JWT cookies, and to follow a sign-out on a legacy instance"
    ),
    ("accounts/identity/bridge.py", "session-write"): (
        "the bridge identity: it marks exchanged sessions for end_legacy_sessions and ends "
        "the legacy session at sign-out, so that legacy instances and a rollback agree"
    ),
    ("carts/backends/bridge.py", "session-read"): (
        "the bridge cart backend (bridge profile only, by CARTS): it mirrors the Redis cart "
        "into the legacy session cart that legacy instances read, and reads what they wrote"
    ),
}
