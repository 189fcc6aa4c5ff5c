"""A round-robin load balancer over instances of different profiles: the fleet of a
rolling deploy, in which legacy, bridge and stateless instances serve the same shoppers.

Real gunicorn processes behind the real nginx configuration, sharing the tests'
PostgreSQL and Redis; an instance is replaced the way a rolling deploy does it: taken
out of rotation, stopped gracefully, started again with the next release's profile on
the same port, put back.
"""

from localcluster import Balancer, Instance, free_port
from localcluster.instances import wait_until_healthy


class Fleet:
    """Instances named by profile (``"legacy"``, ``"bridge"``, ``"stateless"``) behind nginx."""

    def __init__(self, instance_env, *, workers=2, threads=4):
        self.instance_env = instance_env
        self.options = {"workers": workers, "threads": threads}
        self.instances = []
        self.profiles = []
        self.nginx = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.nginx.listen_port}"

    def urls(self):
        """Each instance's own base URL (bypassing nginx), in order."""
        return [f"http://127.0.0.1:{instance.port}" for instance in self.instances]

    def start(self, *profiles):
        for profile in profiles:
            instance = Instance(free_port(), self._env(profile), **self.options)
            self.instances.append(instance)
            self.profiles.append(profile)
            instance.start()
        for instance in self.instances:
            wait_until_healthy(instance.port)
        self.nginx = Balancer(free_port(), [instance.port for instance in self.instances])
        self.nginx.start()
        return self

    def replace(self, index, profile):
        """Deploy ``profile`` on instance ``index``: drain, stop, start, put back."""
        old = self.instances[index]
        self.nginx.set_down({old.port})
        old.stop()
        new = Instance(old.port, self._env(profile), **self.options)
        self.instances[index], self.profiles[index] = new, profile
        new.start()
        wait_until_healthy(new.port)
        self.nginx.set_down(set())

    def stop(self):
        if self.nginx is not None:
            self.nginx.stop()
            self.nginx.remove()
        for instance in self.instances:
            instance.stop()

    def _env(self, profile):
        return {**self.instance_env, "DJANGO_SETTINGS_MODULE": f"shop.settings.{profile}"}
