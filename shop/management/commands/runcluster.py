"""Serve the shop the way production does, on one machine (``make run``).

Starts the S3 endpoint when none is configured, migrates, collects static files, seeds
the demo, then starts gunicorn instances behind nginx and waits; Ctrl-C stops
everything it started.
"""

import signal
import time

from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import BaseCommand

from shop import localcluster


class Command(BaseCommand):
    help = "Run S3, several gunicorn instances and nginx in front, like production."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="load balancer port")
        parser.add_argument("--instances", type=int, default=3)
        parser.add_argument("--workers", type=int, default=2, help="workers per instance")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")

    def handle(self, *args, port, instances, workers, threads, **options):
        stops = []  # what to call, last first, to stop what this command started
        # SIGTERM (from a supervisor) stops us the same way as Ctrl-C.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            stops.extend(self._storage())
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            call_command("seed_demo")
            cluster = localcluster.Cluster.start(
                port,
                range(port + 1, port + 1 + instances),
                env={},
                workers=workers,
                threads=threads,
            )
            stops.append(cluster.stop)
            self._banner(cluster, workers)
            while all(p.poll() is None for p in [cluster.nginx, *cluster.instances]):
                time.sleep(1)
            self.stderr.write("A process of the cluster exited; stopping.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for stop in reversed(stops):
                stop()

    def _storage(self):
        """Start moto on the local endpoint, with its bucket, when none is configured."""
        stops = []
        options = storages.backends["default"].get("OPTIONS", {})
        # Only the local endpoint is ours to set up; a configured bucket (MinIO, AWS) is
        # provisioned, with its policy, by its own infrastructure code.
        if settings.AWS_S3_ENDPOINT_URL is None and "endpoint_url" in options:
            s3_port = int(settings.LOCAL_S3_ENDPOINT_URL.rsplit(":", 1)[1])
            if not localcluster.port_open(s3_port):
                moto = localcluster.start_s3(s3_port)
                stops.append(lambda: localcluster.stop(moto))
                self.stdout.write(f"S3 endpoint (moto) on {settings.LOCAL_S3_ENDPOINT_URL}")
            localcluster.ensure_bucket(options)
        return stops

    def _banner(self, cluster, workers):
        password = settings.DJANGO_ADMIN_PASSWORD or "(printed above when first created)"
        ports = ", ".join(str(p) for p in cluster.instance_ports)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nstateless-shop is up: {cluster.url}/\n"
                f"  admin:     {cluster.url}/admin/  {settings.DJANGO_ADMIN_EMAIL} / {password}\n"
                f"  API docs:  {cluster.url}/api/docs/\n"
                f"  instances: {ports} ({workers} workers each) behind nginx, round robin\n"
                "Ctrl-C stops everything.\n"
            )
        )
