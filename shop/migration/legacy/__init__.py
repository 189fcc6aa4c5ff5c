"""The legacy-session reader: the one piece every migration command reads sessions with.

It opens the store named by the ``LEGACY_SESSIONS`` setting, never ``SESSION_ENGINE``:
the migration changes ``SESSION_ENGINE`` (the stateless release names signed cookies),
and the commands still have to read, and finally delete, what the legacy shop wrote::

    LEGACY_SESSIONS = {
        # .DatabaseStore | .CachedDatabaseStore | .CacheStore | .FileStore, in .stores
        "BACKEND": "shop.migration.legacy.stores.DatabaseStore",
        "OPTIONS": {"DATABASE": "default"},
        # How the legacy shop kept carts in its sessions (shop.migration.legacy.layouts).
        "CART_LAYOUT": {"BACKEND": "shop.migration.legacy.layouts.ShopCartLayout"},
    }

``LEGACY_SESSIONS`` is a setting beyond the one STYLE.md allows (``CARTS``) on purpose:
it is not a runtime backend of the shop but the migration's input, a description of a
store the running profile no longer uses, and it is read only by these commands. Every
option has the default the legacy shop most likely ran with (its ``SECRET_KEY`` and
fallbacks, ``SESSION_SERIALIZER``), so a shop that never changed them names only the
backend.

Guests' carts are imported under the guest cart id ``guest_cart_id(session_key)`` (see
shop/migration/carts.py): the bridge's exchange finds it from the session cookie alone.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

# Set in a legacy session by the bridge identity once the shopper holds JWT cookies (a
# timestamp); `end_legacy_sessions` ends exactly those sessions.
from accounts.identity.bridge import EXCHANGED_KEY

__all__ = ["EXCHANGED_KEY", "LegacySession", "open_layout", "open_store"]


@dataclass(frozen=True)
class LegacySession:
    """One stored session as the reader found it.

    ``data`` is the decoded session dict, or None when it could not be decoded; then
    ``error`` says why (bad signature, unknown serializer format, not a dict). ``size``
    is the stored form's length in bytes; ``expires`` is known for database and file
    stores (cache stores drop expired sessions themselves).
    """

    key: str
    data: dict | None
    size: int
    error: str | None = None
    expires: datetime | None = None


def _configured():
    config = getattr(settings, "LEGACY_SESSIONS", None)
    if not config or not config.get("BACKEND"):
        raise ImproperlyConfigured(
            "LEGACY_SESSIONS must name the legacy session store, e.g. "
            '{"BACKEND": "shop.migration.legacy.stores.DatabaseStore"}; see '
            "shop/migration/legacy/__init__.py."
        )
    return config


def _build(path, options, what):
    try:
        backend = import_string(path)
    except ImportError as exc:
        message = f"LEGACY_SESSIONS {what} {path!r} cannot be imported: {exc}"
        raise ImproperlyConfigured(message) from exc
    return backend(**options)


def open_store():
    """The legacy session store named by ``LEGACY_SESSIONS`` (read now, not at import)."""
    config = _configured()
    return _build(config["BACKEND"], config.get("OPTIONS", {}), "BACKEND")


def open_layout():
    """The cart layout named by ``LEGACY_SESSIONS["CART_LAYOUT"]`` (ours by default)."""
    layout = _configured().get("CART_LAYOUT") or {}
    path = layout.get("BACKEND", "shop.migration.legacy.layouts.ShopCartLayout")
    return _build(path, layout.get("OPTIONS", {}), "CART_LAYOUT")
