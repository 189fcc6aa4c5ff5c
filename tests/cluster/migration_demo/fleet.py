"""The instances of one set-up behind one nginx, started with the local cluster's pieces.

Unlike :class:`localcluster.Cluster`, each instance gets an environment of its own (its
own ``MEDIA_ROOT``, as if on a machine of its own; a profile of its own in a mixed
fleet), and the balancer may pin clients to an instance: the legacy set-up the
migration leaves behind. That configuration is rendered here, at run time, because
nothing under ``deploy/`` may configure affinity (tests/deploy/test_yaml_and_affinity.py).
"""

import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

from localcluster import Balancer, Instance, children, free_port, render_nginx_conf
from localcluster.instances import wait_until_healthy

# Seconds an instance may take to boot (Django's imports on a busy two-core machine).
BOOT_SECONDS = 60
UPSTREAM_OPENING = re.compile(r"^(\s*)upstream (\w+) \{\n", flags=re.M)


def sticky_nginx_conf(listen_port, upstream_ports, down=()):
    """``deploy/nginx.conf`` for these ports, with ``ip_hash`` in its upstream block.

    ``ip_hash`` sends every request from one client address to the same instance (and,
    once that instance fails, to the next one): "sticky sessions" by address.
    """
    text = render_nginx_conf(listen_port, upstream_ports, down)
    sticky, count = UPSTREAM_OPENING.subn(r"\g<0>\g<1>    ip_hash;\n", text, count=1)
    if count != 1:
        raise RuntimeError("deploy/nginx.conf has no upstream block to make sticky")
    return sticky


class StickyBalancer(Balancer):
    """The local cluster's nginx with ``ip_hash`` stickiness (see :func:`sticky_nginx_conf`)."""

    def _write_conf(self):
        self.conf.write_text(sticky_nginx_conf(self.listen_port, self.upstream_ports, self.down))

    def start(self):
        # The base class renders through _write_conf; make sure it still does.
        if "ip_hash;" not in self.conf.read_text():
            raise RuntimeError(f"{self.conf} is not sticky: localcluster's Balancer changed")
        super().start()


class Fleet:
    """Instances of ``envs`` (one environment each) behind nginx on free loopback ports.

    ``instances`` keeps the order of ``envs``; ``url`` is the balancer's. Workers and
    threads per instance are the same for every instance. ``stop()`` ends everything
    started here, killed instances included.
    """

    def __init__(self, envs, *, sticky=False, workers=1, threads=4):
        self.options = {"workers": workers, "threads": threads}
        ports = [free_port() for _ in envs]
        self.instances = [
            Instance(port, env, **self.options) for port, env in zip(ports, envs, strict=True)
        ]
        balancer_class = StickyBalancer if sticky else Balancer
        self.balancer = balancer_class(free_port(), ports)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.balancer.listen_port}"

    def start(self):
        try:
            _each(self.instances, lambda instance: instance.start())
            _each(self.instances, _wait_until_healthy)
            self.balancer.start()
        except BaseException:
            self.stop()
            raise
        return self

    def serving(self, served_by):
        """The instance whose worker sent ``X-Served-By: <host>:<pid>``, or None."""
        try:
            pid = int(served_by.rsplit(":", 1)[1])
        except (AttributeError, IndexError, ValueError):
            return None
        for instance in self.instances:
            if instance.poll() is None and pid in (instance.pid, *children(instance.pid)):
                return instance
        return None

    def kill(self, instance):
        """SIGKILL the instance's master and workers, as a crashed machine would go."""
        with instance.lock:
            instance.wanted = False
            os.killpg(instance.pid, signal.SIGKILL)
            instance.wait()

    def replace(self, instance, env):
        """One step of a rolling deploy: drain ``instance`` at nginx, stop it gracefully,
        start an instance of ``env`` on its port, and put that one into rotation."""
        balancer = self.balancer
        balancer.set_down(balancer.down | {instance.port})
        instance.stop()
        successor = Instance(instance.port, env, **self.options)
        successor.start()
        _wait_until_healthy(successor)
        self.instances[self.instances.index(instance)] = successor
        balancer.set_down(balancer.down - {instance.port})
        return successor

    def stop(self):
        self.balancer.stop()
        _each(self.instances, lambda instance: instance.stop())
        self.balancer.remove()


def _wait_until_healthy(instance, timeout=BOOT_SECONDS):
    """Return once ``instance`` answers /healthz; raise at once if it exits meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if instance.poll() is not None:
            raise RuntimeError(f"{instance.name} exited with {instance.poll()} while starting")
        try:
            return wait_until_healthy(instance.port, timeout=1)
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


def _each(instances, action):
    """``action(instance)`` for every instance at once; the first error is raised."""
    with ThreadPoolExecutor(max_workers=len(instances) or 1) as pool:
        list(pool.map(action, instances))
