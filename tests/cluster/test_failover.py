"""Failover under load: instances killed mid-journey, nothing a shopper was told is lost.

Three supervised instances behind nginx; twenty virtual shoppers (tests/cluster/
shoppers.py) browse, fill guest carts, sign in, change quantities and check out with
Idempotency-Keys, over and over, while the test SIGKILLs one instance (master and
workers), waits for the supervisor to bring it back, then kills another. Bounded to
about two minutes.

One thing a kill can still show: a response whose headers the worker had already
written when it died arrives cut, because nginx passes headers on at once and cannot
retry after that. Those are counted apart (the shopper asks again) and bounded.
"""

import os
import signal
import threading
import time
from collections import Counter

import pytest
from django.contrib.auth.hashers import make_password
from django.db.models import Sum

import localcluster
from accounts.models import User
from shop.catalog.models import Product
from shop.orders.models import Order, OrderLine
from tests.cluster.shoppers import Ledger, Shopper
from tests.factories import make_product

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

SHOPPERS = 20
STOCK = 100_000
PASSWORD = "a long shopper password 7"


def _users(count):
    hashed = make_password(PASSWORD, hasher="pbkdf2_sha256")  # what app processes check
    return User.objects.bulk_create(
        User(email=f"shopper{i}@example.com", password=hashed) for i in range(count)
    )


def _kill_and_wait_for_restart(instance, timeout=40):
    killed = instance.pid
    os.killpg(killed, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while instance.pid == killed or instance.poll() is not None:
        assert time.monotonic() < deadline, f"{instance} was not restarted"
        time.sleep(0.1)
    localcluster.wait_until_healthy(instance.port)
    return killed


def test_killing_instances_under_load_loses_nothing_a_shopper_was_told(start_cluster, capsys):
    products = [make_product(stock=STOCK) for _ in range(4)]
    users = _users(SHOPPERS)
    cluster = start_cluster(
        instances=3,
        workers=2,
        supervise=True,
        # A lock left by a killed checkout runs out quickly, so its retry gets through.
        env={"IDEMPOTENCY_LOCK_SECONDS": "3"},
    )
    ledger, stop = Ledger(), threading.Event()
    shoppers = [Shopper(cluster.url, u, PASSWORD, products, ledger, stop) for u in users]
    started = time.monotonic()
    for shopper in shoppers:
        shopper.start()
    try:
        time.sleep(8)
        first = _kill_and_wait_for_restart(cluster.instances[0])
        time.sleep(4)
        second = _kill_and_wait_for_restart(cluster.instances[1])
        time.sleep(4)
    finally:
        stop.set()
        for shopper in shoppers:
            shopper.join(timeout=60)
    seconds = time.monotonic() - started

    with capsys.disabled():
        print(
            f"\nfailover: {SHOPPERS} shoppers, {len(ledger.orders)} orders in {seconds:.0f} s,"
            f" killed pids {first} and {second}; GETs {dict(ledger.gets)}, cut mid-body"
            f" by a kill and asked again {dict(ledger.cut_responses)}; unsafe requests"
            f" retried {ledger.unsafe_retried}, failed attempts {dict(ledger.unsafe_failures)}"
        )
    assert ledger.errors == []
    assert not any(s.is_alive() for s in shoppers)
    assert set(ledger.gets) == {200}, ledger.gets  # nginx hid the dead instances
    # Only a response being written at the instant of a kill (two kills here).
    assert sum(ledger.cut_responses.values()) <= 4, ledger.cut_responses
    assert ledger.signed_out == []
    assert ledger.cart_mismatches == []
    assert len(ledger.orders) >= SHOPPERS * 2
    # One order per checkout key, holding exactly what the shopper's cart held.
    orders = Order.objects.filter(idempotency_key__in=ledger.orders).prefetch_related("lines")
    assert Order.objects.count() == len(ledger.orders) == orders.count()
    for order in orders:
        user_id, number, lines = ledger.orders[order.idempotency_key]
        assert (order.user_id, order.number) == (user_id, number)
        assert {line.product_id: line.quantity for line in order.lines.all()} == lines
    # Stock adds up: what is gone is what the acknowledged orders bought.
    bought = Counter()
    for _, _, lines in ledger.orders.values():
        bought.update(lines)
    for product in Product.objects.filter(pk__in=[p.pk for p in products]):
        sold = OrderLine.objects.filter(product=product).aggregate(n=Sum("quantity"))["n"] or 0
        assert STOCK - product.stock == sold == bought[product.pk]
    assert cluster.supervisor.restarts[id(cluster.instances[0])] == 1
    assert cluster.supervisor.restarts[id(cluster.instances[1])] == 1
