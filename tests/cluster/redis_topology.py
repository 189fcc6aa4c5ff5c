"""A Redis primary, its replicas and three Sentinels on loopback, for failover tests.

A test helper: Debian's ``redis-server`` in its two roles (``--sentinel`` for the
monitors), each on a free port, with failure detection tuned down to a second so
that a failover completes in a few seconds. ``RedisTopology.stop()`` ends every process
it started, by pid.
"""

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

import localcluster

# Fast, for tests: a primary silent this long is subjectively down; a failover that has
# not finished in twice the timeout is retried by another Sentinel.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000


@dataclass
class RedisNode:
    """One ``redis-server`` (a data node or a Sentinel) and how to start it again."""

    port: int
    args: list
    log: Path
    process: subprocess.Popen | None = None
    client_options: dict = field(default_factory=dict)

    def start(self):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", *self.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        localcluster.wait_for_port(self.port, self.process, timeout=10)
        return self

    def kill(self):
        """SIGKILL: the node vanishes without a goodbye, as when its host dies."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process is not None:
            localcluster.stop(self.process)

    def client(self):
        return redis.Redis("127.0.0.1", self.port, socket_timeout=2, **self.client_options)


@dataclass
class RedisTopology:
    """``replicas`` replicas of one primary, watched by three Sentinels (quorum two).

    With ``tls`` (``{"cert": path, "key": path, "ca": path}``) every node, Sentinels
    included, listens on a TLS port only and replicates over TLS.
    """

    master_name: str
    workdir: Path
    tls: dict | None = None
    primary: RedisNode | None = None
    replicas: list = field(default_factory=list)
    sentinels: list = field(default_factory=list)

    @classmethod
    def start(cls, workdir, *, master_name="shop", replicas=1, tls=None):
        """Start the topology in ``workdir`` and wait until every Sentinel sees it all."""
        topology = cls(master_name, Path(workdir), tls)
        try:
            topology.primary = topology._data_node("primary").start()
            primary = str(topology.primary.port)
            for n in range(replicas):
                node = topology._data_node(f"replica{n}", "--replicaof", "127.0.0.1", primary)
                topology.replicas.append(node.start())
            for n in range(3):
                topology.sentinels.append(topology._sentinel(n).start())
            topology._wait_until_discovered(replicas)
        except BaseException:
            topology.stop()
            raise
        return topology

    @property
    def sentinel_addresses(self):
        """``REDIS_SENTINELS`` for the shop: ``127.0.0.1:<port>,…``."""
        return ",".join(f"127.0.0.1:{node.port}" for node in self.sentinels)

    def primary_port(self):
        """The port of the primary according to the Sentinels' majority."""
        answers = []
        for node in self.sentinels:
            try:
                address = node.client().sentinel_get_master_addr_by_name(self.master_name)
            except redis.RedisError:
                continue
            answers.append(int(address[1]))
        return max(set(answers), key=answers.count)

    def replicate_through(self, replica, port, timeout=10.0):
        """Make ``replica`` replicate from ``port`` (a proxy in front of the primary).

        Only for a moment: the Sentinels see the replica following an address that is
        not the primary's and, some eight seconds later, point it back at the primary.
        """
        replica.client().replicaof("127.0.0.1", port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = replica.client().info("replication")
            if info["master_port"] == port and info["master_link_status"] == "up":
                return
            time.sleep(0.05)
        raise TimeoutError(f"the replica did not resume replication through port {port}")

    def node(self, port):
        return next(n for n in [self.primary, *self.replicas] if n.port == port)

    def wait_for_failover(self, old_port, timeout=30.0):
        """Wait until every Sentinel names a new primary that answers as one; its node."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ports = set()
            for sentinel in self.sentinels:
                address = sentinel.client().sentinel_get_master_addr_by_name(self.master_name)
                ports.add(int(address[1]))
            if len(ports) == 1 and old_port not in ports:
                node = self.node(ports.pop())
                if node.client().info("replication")["role"] == "master":
                    return node
            time.sleep(0.1)
        raise TimeoutError(f"no failover away from port {old_port} within {timeout:.0f} s")

    def stop(self):
        for node in [*self.sentinels, *self.replicas, self.primary]:
            if node is not None:
                node.stop()

    def _listen(self, port):
        """``redis-server`` options to listen on ``port``: plain, or TLS only."""
        if self.tls is None:
            return ["--port", str(port)], {}
        options = [
            "--port", "0",
            "--tls-port", str(port),
            "--tls-cert-file", str(self.tls["cert"]),
            "--tls-key-file", str(self.tls["key"]),
            "--tls-ca-cert-file", str(self.tls["ca"]),
            "--tls-auth-clients", "no",
            "--tls-replication", "yes",
        ]  # fmt: skip
        return options, {"ssl": True, "ssl_ca_certs": str(self.tls["ca"])}

    def _data_node(self, name, *args):
        port = localcluster.free_port()
        listen, client_options = self._listen(port)
        return RedisNode(
            port,
            [
                *listen,
                "--bind", "127.0.0.1",
                "--dir", str(self.workdir),
                "--dbfilename", f"{name}.rdb",
                "--save", "",
                "--appendonly", "no",
                "--maxmemory-policy", "noeviction",
                # Replicas sync at once instead of waiting for others to join the transfer.
                "--repl-diskless-sync-delay", "0",
                *args,
            ],
            self.workdir / f"{name}.log",
            client_options=client_options,
        )  # fmt: skip

    def _sentinel(self, n):
        port = localcluster.free_port()
        listen, client_options = self._listen(port)
        conf = self.workdir / f"sentinel{n}.conf"  # Sentinels rewrite it: one each
        conf.write_text(
            "bind 127.0.0.1\n"
            f"dir {self.workdir}\n"
            f"sentinel monitor {self.master_name} 127.0.0.1 {self.primary.port} 2\n"
            f"sentinel down-after-milliseconds {self.master_name} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {self.master_name} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {self.master_name} 1\n"
        )
        return RedisNode(
            port,
            [str(conf), "--sentinel", *listen],
            self.workdir / f"sentinel{n}.log",
            client_options=client_options,
        )

    def _wait_until_discovered(self, replicas, timeout=20.0):
        """Sentinels find each other through the primary's hello channel (every 2 s);
        a failover needs them to, and to know the replicas."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = [node.client().sentinel_master(self.master_name) for node in self.sentinels]
            if all(
                s["num-other-sentinels"] == 2 and s["num-slaves"] == replicas for s in states
            ) and all(
                node.client().info("replication")["master_link_status"] == "up"
                for node in self.replicas
            ):
                return
            time.sleep(0.1)
        raise TimeoutError(f"the Sentinels did not discover each other within {timeout:.0f} s")
