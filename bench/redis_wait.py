"""What WAIT costs per cart write: RedisCart with and without ``WAIT_REPLICAS``.

    .venv/bin/python -m bench.redis_wait [--writes 3000]

Starts a private Redis primary and one replica on free loopback ports, then times the
shop's own cart writes (``RedisCart.add``, one Lua script each) against the primary:
asynchronous replication (``WAIT_REPLICAS`` 0, the default) and acknowledged by one
replica (``WAIT_REPLICAS`` 1: the script and a WAIT pipelined in one round trip).
Prints the latency per write; docs/redis-ha.md quotes a run. On loopback the
difference is the replica's own turn-around; across hosts add one primary-to-replica
round trip to every write.
"""

import argparse
import statistics
import subprocess
import tempfile
import time

import django
import redis
from django.conf import settings

from bench.servers import free_port, wait_for_port


def start_redis(workdir, *args):
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir, "--dbfilename", f"{port}.rdb",
         "--repl-diskless-sync-delay", "0", *args],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    wait_for_port(port, process)
    return port, process


def configure(primary_port):
    settings.configure(
        CACHES={
            "carts": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{primary_port}/0",
                "OPTIONS": {"SOCKET_TIMEOUT": 0.5, "SOCKET_CONNECT_TIMEOUT": 0.5},
            }
        }
    )
    django.setup()


def time_writes(writes, wait_replicas):
    """Seconds per ``RedisCart.add`` over ``writes`` adds spread over 100 carts."""
    from carts.backends.redis import RedisCart

    options = {
        "ALIAS": "carts",
        "MAX_LINES": 100,
        "MAX_QUANTITY": 10**9,
        "GUEST_TTL": 3600,
        "USER_TTL": 3600,
        "WAIT_REPLICAS": wait_replicas,
        "WAIT_TIMEOUT_MS": 100,
    }
    carts = [RedisCart(("guest", f"bench-{wait_replicas}-{n}"), **options) for n in range(100)]
    for cart in carts:  # connections made and scripts cached before the clock starts
        cart.add(1, 1, limit=10**9)
    seconds = []
    for n in range(writes):
        started = time.perf_counter()
        carts[n % len(carts)].add(n % 20 + 1, 1, limit=10**9)
        seconds.append(time.perf_counter() - started)
    return seconds


def describe(label, seconds):
    ordered = sorted(seconds)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return (
        f"{label:<28} median {statistics.median(ordered) * 1e6:7.0f} µs   "
        f"p99 {p99 * 1e6:7.0f} µs   mean {statistics.fmean(ordered) * 1e6:7.0f} µs"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=3000)
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        primary_port, primary = start_redis(workdir)
        _, replica = start_redis(workdir, "--replicaof", "127.0.0.1", str(primary_port))
        try:
            link = redis.Redis(port=primary_port)
            while link.info("replication")["connected_slaves"] < 1:
                time.sleep(0.05)
            configure(primary_port)
            results = {}
            for _ in range(2):  # alternate, so that neither mode gets a warmer machine
                for wait_replicas in (0, 1):
                    results.setdefault(wait_replicas, []).extend(
                        time_writes(arguments.writes // 2, wait_replicas)
                    )
            print(f"{arguments.writes} cart writes each, primary and replica on loopback:")
            print(describe("async replication", results[0]))
            print(describe("WAIT 1 (acknowledged)", results[1]))
            extra = statistics.median(results[1]) - statistics.median(results[0])
            print(f"WAIT adds {extra * 1e6:.0f} µs per write (median)")
        finally:
            for process in (replica, primary):
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    main()
