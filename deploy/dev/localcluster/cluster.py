"""Instances behind one nginx: start, drain, restart one by one, stop."""

import threading

from .instances import Instance, wait_until_healthy
from .nginx import Balancer
from .supervisor import Supervisor


class Cluster:
    """gunicorn instances behind one nginx, as `make run` and the cluster tests run them.

    ``instances`` are :class:`Instance` objects (``pid`` is the gunicorn master's),
    ``nginx`` is the :class:`Balancer`. With ``supervise=True`` a :class:`Supervisor`
    restarts whatever exits on its own. ``stop()`` ends everything started here.
    """

    def __init__(self, lb_port, instance_ports, env, **instance_options):
        self.lb_port = lb_port
        self.instance_ports = list(instance_ports)
        self.instances = [Instance(port, env, **instance_options) for port in instance_ports]
        self.nginx = Balancer(lb_port, self.instance_ports)
        self.supervisor = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.lb_port}"

    @property
    def prefix(self):
        return self.nginx.prefix

    @classmethod
    def start(cls, lb_port, instance_ports, env, *, supervise=False, **instance_options):
        cluster = cls(lb_port, instance_ports, env, **instance_options)
        try:
            for instance in cluster.instances:
                instance.start()
            cluster.nginx.start()
            if supervise:
                cluster.supervisor = Supervisor([*cluster.instances, cluster.nginx])
                cluster.supervisor.start()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def drain(self, instance):
        """Take ``instance`` out of nginx's rotation; return when nothing is sent to it."""
        self.nginx.set_down(self.nginx.down | {instance.port})

    def undrain(self, instance):
        """Put ``instance`` back into nginx's rotation."""
        self.nginx.set_down(self.nginx.down - {instance.port})

    def restart(self, instance):
        """Drain, stop (gracefully), start and put back one instance: nothing is lost."""
        with instance.lock:
            self.drain(instance)
            instance.stop()
            instance.start()
            wait_until_healthy(instance.port)
            self.undrain(instance)

    def rolling_restart(self):
        """Restart every instance in turn; the others serve meanwhile."""
        for instance in self.instances:
            self.restart(instance)

    def stop(self):
        """Stop the supervisor, then nginx gracefully, then every instance gracefully."""
        if self.supervisor is not None:
            self.supervisor.stop()
        self.nginx.stop()
        stopping = [threading.Thread(target=i.stop) for i in self.instances]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        self.nginx.remove()
