"""Carts through a Redis failover under Sentinel (issue 13 §4, docs/redis-ha.md).

A primary, one replica and three Sentinels on loopback (tests/cluster/redis_topology.py);
real gunicorn instances configured only by environment (REDIS_SENTINELS,
REDIS_SENTINEL_MASTER, CARTS_WAIT_REPLICAS). The primary is killed with SIGKILL and the
Sentinels promote the replica within a few seconds.
"""

import time

import pytest
import requests

from tests.cluster.redis_topology import RedisTopology
from tests.cluster.stall_proxy import StallProxy
from tests.factories import make_category, make_product

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20
MASTER = "shop-carts"


@pytest.fixture
def topologies(tmp_path):
    """``start(**options) -> RedisTopology``; every process is stopped after the test."""
    started = []

    def start(**options):
        started.append(RedisTopology.start(tmp_path, master_name=MASTER, **options))
        return started[-1]

    yield start
    for topology in started:
        topology.stop()


def _sentinel_env(topology, wait_replicas):
    return {
        # Under Sentinel only the URL's scheme and database count; the host is ignored.
        "REDIS_URL": "redis://primary-from-sentinels/0",
        "REDIS_SENTINELS": topology.sentinel_addresses,
        "REDIS_SENTINEL_MASTER": MASTER,
        "CARTS_WAIT_REPLICAS": str(wait_replicas),
    }


def _put(base, token, product_id, quantity):
    return requests.put(
        f"{base}/api/v1/cart/items/{product_id}/",
        json={"quantity": quantity},
        headers={"X-Cart-Token": token},
        timeout=TIMEOUT,
    )


def _add(base, token, product_id):
    return requests.post(
        f"{base}/api/v1/cart/items/",
        json={"product_id": product_id, "quantity": 1},
        headers={"X-Cart-Token": token},
        timeout=TIMEOUT,
    )


def _lines(response):
    return {item["product_id"]: item["quantity"] for item in response.json()["items"]}


def _cart_once_served(base, token, timeout=20.0):
    """The cart's lines as soon as the instance serves it again (503s meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(
            f"{base}/api/v1/cart/", headers={"X-Cart-Token": token}, timeout=TIMEOUT
        )
        if response.status_code == 200:
            return _lines(response)
        assert response.status_code == 503, response.text
        assert time.monotonic() < deadline, "the cart did not come back after the failover"
        time.sleep(0.1)


def test_carts_survive_losing_the_primary_with_every_acknowledged_line(topologies, start_instance):
    category = make_category()
    products = [make_product(stock=50, category=category) for _ in range(4)]
    topology = topologies(replicas=1)
    port, _ = start_instance(env=_sentinel_env(topology, wait_replicas=1), workers=2)
    base = f"http://127.0.0.1:{port}"

    # Ten shoppers fill their carts; the ledger holds what the shop acknowledged.
    ledger = {}
    for shopper in range(10):
        first = _add(base, "", products[0].pk)
        assert first.status_code == 200, first.text
        token = first.headers["X-Cart-Token"]
        for n, product in enumerate(products[1:], start=2):
            assert _put(base, token, product.pk, n + shopper).status_code == 200
        ledger[token] = {products[0].pk: 1} | {
            product.pk: n + shopper for n, product in enumerate(products[1:], start=2)
        }

    old_primary = topology.primary
    old_primary.kill()
    started = time.monotonic()
    new_primary = topology.wait_for_failover(old_primary.port)
    print(f"Sentinels promoted port {new_primary.port} in {time.monotonic() - started:.1f} s")

    # Served through the new primary, with every acknowledged line.
    for token, lines in ledger.items():
        assert _cart_once_served(base, token) == lines

    # The new primary has no replica yet: a write cannot be acknowledged, so it is a
    # 503 rather than a promise the next failover would break.
    token = next(iter(ledger))
    refused = _put(base, token, products[1].pk, 40)
    assert refused.status_code == 503
    assert refused.json()["code"] == "cart_unavailable"

    # The old primary returns as a replica of the new one (what its restart would do
    # after asking the Sentinels); writes are acknowledged again.
    old_primary.args += ["--replicaof", "127.0.0.1", str(new_primary.port)]
    old_primary.start()
    deadline = time.monotonic() + 20
    while (accepted := _put(base, token, products[1].pk, 41)).status_code != 200:
        assert time.monotonic() < deadline, accepted.text
        time.sleep(0.2)
    assert _cart_once_served(base, token) == ledger[token] | {products[1].pk: 41}


def test_a_write_the_replica_never_got_is_lost_unless_wait_refused_to_acknowledge_it(
    topologies, start_instance
):
    """The replication link goes silent (a partition), then the primary dies.

    Without WAIT the shop acknowledged a line only the primary held, and the failover
    loses it; with WAIT the same write was a 503, and everything acknowledged is kept.
    """
    first, second = make_product(stock=50), make_product(stock=50)
    topology = topologies(replicas=1)
    waiting = f"http://127.0.0.1:{start_instance(env=_sentinel_env(topology, 1))[0]}"
    asynchronous = f"http://127.0.0.1:{start_instance(env=_sentinel_env(topology, 0))[0]}"
    tokens = {}
    for base in (waiting, asynchronous):
        response = _add(base, "", first.pk)
        assert response.status_code == 200, response.text
        tokens[base] = response.headers["X-Cart-Token"]

    link = StallProxy(("127.0.0.1", topology.primary.port))
    try:
        topology.replicate_through(topology.replicas[0], link.port)
        link.stall()
        refused = _add(waiting, tokens[waiting], second.pk)
        assert refused.status_code == 503
        acknowledged = _add(asynchronous, tokens[asynchronous], second.pk)
        assert acknowledged.status_code == 200
        assert _lines(acknowledged) == {first.pk: 1, second.pk: 1}

        topology.primary.kill()
        link.close()  # what the replica never received is gone with the primary
        topology.wait_for_failover(topology.primary.port)
    finally:
        link.close()

    assert _cart_once_served(waiting, tokens[waiting]) == {first.pk: 1}
    assert _cart_once_served(asynchronous, tokens[asynchronous]) == {first.pk: 1}  # lost
