"""The Redis cart against a plain Python model, step by step, under random sequences.

hypothesis drives add / set / remove / clear / take / merge on a few carts in the real
Redis, valid and invalid alike (past a line's limit, past the line count, out of stock,
zero quantities, absent lines, empty or missing carts), and after every step each cart
in Redis must hold exactly what the model says, with an expiry exactly when it exists.
"""

import pytest
from django.conf import settings
from django_redis import get_redis_connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from carts.backends.base import CartLimitExceeded
from carts.backends.redis import RedisCart

MAX_LINES = 3
MAX_QUANTITY = 5
OPTIONS = {
    **settings.CARTS["OPTIONS"],
    "MAX_LINES": MAX_LINES,
    "MAX_QUANTITY": MAX_QUANTITY,
    "GUEST_TTL": 600,
    "USER_TTL": 900,
}
OWNERS = [("user", "sm-1"), ("guest", "sm-a"), ("guest", "sm-b")]

owners = st.sampled_from(OWNERS)
products = st.integers(min_value=1, max_value=6)  # few, so that lines collide
quantities = st.integers(min_value=1, max_value=MAX_QUANTITY + 2)
limits = st.integers(min_value=0, max_value=MAX_QUANTITY + 1)  # 0: out of stock


class Refused(Exception):
    def __init__(self, reason, current):
        super().__init__(reason)
        self.reason, self.current = reason, current


class ModelCart:
    """The contract of ``BaseCart`` in a dict, written from its docstrings."""

    def __init__(self):
        self.lines = {}

    def write(self, product_id, new, limit):
        current = self.lines.get(product_id, 0)
        if new <= 0:
            self.lines.pop(product_id, None)
            return
        if new > limit:
            raise Refused("quantity", current)
        if current == 0 and len(self.lines) >= MAX_LINES:
            raise Refused("lines", current)
        self.lines[product_id] = new

    def take(self, bought):
        for product_id, quantity in bought.items():
            left = self.lines.get(product_id, 0) - quantity
            if left > 0:
                self.lines[product_id] = left
            else:
                self.lines.pop(product_id, None)


class CartMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.redis = get_redis_connection("carts")
        self.carts = {owner: RedisCart(owner, **OPTIONS) for owner in OWNERS}
        for cart in self.carts.values():
            cart.clear()
        self.model = {owner: ModelCart() for owner in OWNERS}

    def _both(self, owner, write, model_write):
        """Run one write on the cart and on the model; they must agree on refusals too."""
        try:
            model_write(self.model[owner])
        except Refused as refused:
            with pytest.raises(CartLimitExceeded) as exceeded:
                write(self.carts[owner])
            assert (exceeded.value.reason, exceeded.value.current) == (
                refused.reason,
                refused.current,
            )
            return
        assert write(self.carts[owner]) == self.model[owner].lines

    @rule(owner=owners, product_id=products, quantity=quantities, limit=limits)
    def add(self, owner, product_id, quantity, limit):
        current = self.model[owner].lines.get(product_id, 0)
        self._both(
            owner,
            lambda cart: cart.add(product_id, quantity, limit=limit),
            lambda model: model.write(product_id, current + quantity, limit),
        )

    @rule(
        owner=owners,
        product_id=products,
        quantity=st.integers(min_value=0, max_value=MAX_QUANTITY + 2),
        limit=limits,
    )
    def set(self, owner, product_id, quantity, limit):
        self._both(
            owner,
            lambda cart: cart.set(product_id, quantity, limit=limit),
            lambda model: model.write(product_id, quantity, limit),
        )

    @rule(owner=owners, product_id=products)
    def remove(self, owner, product_id):
        self._both(
            owner,
            lambda cart: cart.remove(product_id),
            lambda model: model.write(product_id, 0, 0),
        )

    @rule(owner=owners)
    def clear(self, owner):
        self.carts[owner].clear()
        self.model[owner].lines.clear()

    @rule(
        owner=owners,
        bought=st.dictionaries(products, st.integers(min_value=1, max_value=MAX_QUANTITY + 1)),
    )
    def take(self, owner, bought):
        self.carts[owner].take(bought)
        self.model[owner].take(bought)

    @rule(
        pair=st.permutations(OWNERS).map(lambda owners: owners[:2]),
        caps=st.dictionaries(products, limits),
    )
    def merge(self, pair, caps):
        target_owner, source_owner = pair
        target, source = self.model[target_owner], self.model[source_owner]

        report = self.carts[target_owner].merge_from(self.carts[source_owner], limits=caps)

        assert report.asked == source.lines
        # Which new lines fit when the line count runs out depends on the order Redis
        # lists the source's lines in: the model checks the count and each quantity.
        slots = max(0, MAX_LINES - len(target.lines))
        candidates = []
        for product_id, asked in source.lines.items():
            current = target.lines.get(product_id, 0)
            capped = min(current + asked, caps.get(product_id, MAX_QUANTITY))
            added = report.added[product_id]
            if current:
                assert added == max(0, capped - current), (product_id, report)
            elif capped > 0:
                candidates.append(product_id)
                assert added in (0, capped), (product_id, report)
            else:
                assert added == 0, (product_id, report)
        assert sum(1 for pid in candidates if report.added[pid]) == min(len(candidates), slots)
        for product_id, added in report.added.items():
            if added:
                target.lines[product_id] = target.lines.get(product_id, 0) + added
        source.lines.clear()

    @invariant()
    def redis_holds_what_the_model_holds(self):
        for owner, cart in self.carts.items():
            expected = self.model[owner].lines
            assert cart.lines() == expected, owner
            ttl = self.redis.ttl(cart.key)
            if expected:
                assert 0 < ttl <= cart.ttl, (owner, ttl)
            else:
                assert ttl == -2, (owner, ttl)  # no key at all, not an empty one


def test_the_redis_cart_agrees_with_the_model_after_every_step(redis):
    run_state_machine_as_test(
        CartMachine,
        settings=hypothesis_settings(
            max_examples=60,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
