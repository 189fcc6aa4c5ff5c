"""One behavioural suite, run against every cart backend."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from carts.backends.base import CartLimitExceeded
from carts.backends.bridge import BridgeCart
from carts.backends.redis import RedisCart
from carts.backends.session import SessionCart

pytestmark = pytest.mark.django_db

OPTIONS = {**settings.CARTS["OPTIONS"], "MAX_LINES": 3, "MAX_QUANTITY": 5}


def _redis_cart(name):
    return RedisCart(("guest", f"contract-{name}"), **OPTIONS)


class StoredSessionCart(SessionCart):
    """The legacy session cart over a real session store: every write is saved and every
    read loads the session again, as a legacy instance's next request would."""

    def __init__(self, owner, *, store, **options):
        session = store()
        session.save()
        super().__init__(owner, session=session, **options)
        self.store = store

    def lines(self):
        self.session = self.store(self.session.session_key)
        return super().lines()

    def clear(self):
        super().clear()
        self.session.save()

    def _save(self, lines):
        super()._save(lines)
        self.session.save()


# LEGACY_SESSION_STORE's choices, with the engine each one names (shop.settings.legacy).
SESSION_STORES = {
    "db": "db",
    "cached_db": "cached_db",
    "redis": "cache",
    "locmem": "cache",
    "file": "file",
}


def _session_store(name, settings, tmp_path):
    """The SessionStore class of legacy store ``name``, configured on the tests' Redis."""
    if name in ("cached_db", "redis"):
        settings.CACHES = {
            **settings.CACHES,
            "sessions": {**settings.CACHES["default"], "KEY_PREFIX": "legacy-sessions"},
        }
    elif name == "locmem":
        settings.CACHES = {
            **settings.CACHES,
            "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.SESSION_FILE_PATH = str(tmp_path)
    return import_module(f"django.contrib.sessions.backends.{SESSION_STORES[name]}").SessionStore


def _bridge_cart(name):
    # Each cart mirrored into a session of its own, as each browser's is.
    options = {**OPTIONS, "MIRROR": "carts.backends.session.SessionCart"}
    return BridgeCart(("guest", f"contract-{name}"), session=SessionStore(), **options)


@pytest.fixture(
    params=["redis", "bridge", *(f"session-{store}" for store in SESSION_STORES)],
)
def make_cart(request, redis, settings, tmp_path):
    if request.param == "redis":
        return _redis_cart
    if request.param == "bridge":
        return _bridge_cart
    store = _session_store(request.param.removeprefix("session-"), settings, tmp_path)
    return lambda name: StoredSessionCart(("session", ""), store=store, **OPTIONS)


def test_a_new_cart_is_empty(make_cart):
    assert make_cart("a").lines() == {}


def test_add_creates_a_line_and_adds_to_it(make_cart):
    cart = make_cart("a")

    cart.add(7, 2, limit=5)
    lines = cart.add(7, 3, limit=5)

    assert lines == {7: 5} == cart.lines()


def test_set_replaces_the_quantity_and_zero_removes(make_cart):
    cart = make_cart("a")
    cart.add(7, 2, limit=5)

    assert cart.set(7, 4, limit=5) == {7: 4}
    assert cart.set(7, 0, limit=5) == {}


def test_remove_and_clear(make_cart):
    cart = make_cart("a")
    cart.add(1, 1, limit=5)
    cart.add(2, 1, limit=5)

    assert cart.remove(1) == {2: 1}
    assert cart.remove(99) == {2: 1}  # absent is fine
    cart.clear()
    assert cart.lines() == {}


def test_a_line_beyond_its_limit_is_refused_and_changes_nothing(make_cart):
    cart = make_cart("a")
    cart.add(1, 4, limit=5)

    with pytest.raises(CartLimitExceeded) as refused:
        cart.add(1, 2, limit=5)
    with pytest.raises(CartLimitExceeded):
        cart.set(1, 6, limit=5)

    assert refused.value.reason == "quantity" and refused.value.current == 4
    assert cart.lines() == {1: 4}


def test_a_line_beyond_max_lines_is_refused_but_existing_lines_still_grow(make_cart):
    cart = make_cart("a")
    for pid in (1, 2, 3):
        cart.add(pid, 1, limit=5)

    with pytest.raises(CartLimitExceeded) as refused:
        cart.add(4, 1, limit=5)
    lines = cart.add(3, 1, limit=5)

    assert refused.value.reason == "lines"
    assert lines == {1: 1, 2: 1, 3: 2}


def test_merge_sums_caps_drops_and_empties_the_source(make_cart):
    target, source = make_cart("target"), make_cart("source")
    target.add(1, 2, limit=5)
    source.add(1, 4, limit=5)  # 2 + 4 capped at 5
    source.add(2, 1, limit=5)  # new line
    source.add(3, 1, limit=5)  # no longer for sale: limit 0

    report = target.merge_from(source, limits={1: 5, 2: 5, 3: 0})

    assert target.lines() == {1: 5, 2: 1}
    assert source.lines() == {}
    assert report.asked == {1: 4, 2: 1, 3: 1}
    assert report.added == {1: 3, 2: 1, 3: 0}
    assert sorted(report.limited) == [1, 3]


def test_a_replayed_merge_changes_nothing(make_cart):
    target, source = make_cart("target"), make_cart("source")
    source.add(1, 2, limit=5)
    target.merge_from(source, limits={1: 5})

    report = target.merge_from(source, limits={1: 5})

    assert target.lines() == {1: 2}
    assert report.asked == {}


def test_merge_respects_max_lines(make_cart):
    target, source = make_cart("target"), make_cart("source")
    for pid in (1, 2, 3):
        target.add(pid, 1, limit=5)
    source.add(4, 1, limit=5)

    report = target.merge_from(source, limits={4: 5})

    assert 4 not in target.lines()
    assert report.limited == [4]


def test_a_line_the_caller_did_not_know_of_is_capped_at_the_line_maximum(make_cart):
    target, source = make_cart("target"), make_cart("source")
    source.add(9, 5, limit=5)  # added after the caller read the source cart
    target.add(9, 3, limit=5)

    report = target.merge_from(source, limits={})

    assert target.lines() == {9: 5}
    assert report.added == {9: 2}


def test_take_subtracts_what_was_bought_and_keeps_what_came_meanwhile(make_cart):
    cart = make_cart("a")
    cart.add(1, 3, limit=5)
    cart.add(2, 1, limit=5)
    cart.add(3, 2, limit=5)  # added in another tab while checkout ran

    cart.take({1: 2, 2: 1})

    assert cart.lines() == {1: 1, 3: 2}
