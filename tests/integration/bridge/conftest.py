"""The bridge profile in this process, and legacy sessions as a legacy instance makes them.

The bridge keeps the stateless profile's DRF settings, so it can be switched on here with
the settings that make it the bridge (identity middleware, session engine, messages,
carts); the real processes of tests/cluster run the profile module itself.
"""

from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client

from carts.backends.session import SESSION_KEY as CART_KEY
from shop.settings import bridge as profile
from tests.factories import make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def bridge(settings):
    """This process runs the bridge profile (on the tests' own Redis and database)."""
    settings.MIDDLEWARE = profile.MIDDLEWARE
    settings.SESSION_ENGINE = profile.SESSION_ENGINE
    settings.MESSAGE_STORAGE = profile.MESSAGE_STORAGE
    settings.AUTH_PAIR_COOKIE = profile.AUTH_PAIR_COOKIE
    settings.CARTS = {
        "BACKEND": profile.CARTS["BACKEND"],
        "OPTIONS": {**settings.CARTS["OPTIONS"], "MIRROR": profile.CARTS["OPTIONS"]["MIRROR"]},
    }
    return settings


@pytest.fixture
def user(db):
    return make_user(email="shopper@example.com", password=PASSWORD)


def legacy_session(user=None, cart=None):
    """A session saved as a legacy instance's ``login()`` (and session cart) saves one;
    returns the session store."""
    session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    if user is not None:
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if cart is not None:
        session[CART_KEY] = {str(pid): qty for pid, qty in cart.items()}
    session.save()
    return session


def reload(session):
    """The session as it is stored now."""
    return import_module(django_settings.SESSION_ENGINE).SessionStore(session.session_key)


def browser_with(session_key, *, csrf_checks=True):
    """A browser (CSRF enforced, unless not under test) that carries only this legacy
    session cookie."""
    browser = Client(enforce_csrf_checks=csrf_checks)
    browser.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    return browser


def csrf_token(browser):
    return browser.cookies[django_settings.CSRF_COOKIE_NAME].value
