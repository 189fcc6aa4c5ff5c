"""``make run``: serve the shop the way production does, on one machine.

    PYTHONPATH=deploy/dev .venv/bin/python -m localcluster [--port 8000] [--instances 3]

Starts the S3 endpoint when none is configured, migrates, collects static files, seeds
the demo, then starts gunicorn instances behind nginx and supervises them: an instance
that dies is started again while nginx serves from the others. SIGHUP restarts the
instances one by one, each drained at nginx first. Ctrl-C or SIGTERM stops everything.
"""

import argparse
import os
import signal
import sys
import threading

import django

from . import instances as instances_module
from .cluster import Cluster
from .processes import port_open, stop
from .s3 import ensure_bucket, start_s3


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m localcluster", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="load balancer port")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="workers per instance")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.stateless")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    stops = []  # what to call, last first, to stop what was started here
    # SIGTERM (from a process manager) stops us the same way as Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    rolling = threading.Event()
    signal.signal(signal.SIGHUP, lambda *_: rolling.set())
    try:
        stops.extend(_storage(settings))
        print("Migrating the database, collecting static files, seeding the demo…", flush=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("seed_demo")
        print(f"Starting {args.instances} instances and nginx…", flush=True)
        cluster = Cluster.start(
            args.port,
            range(args.port + 1, args.port + 1 + args.instances),
            env={},
            supervise=True,
            workers=args.workers,
            threads=args.threads,
        )
        stops.append(cluster.stop)
        print(_banner(cluster, settings, args.workers), flush=True)
        while True:
            if rolling.wait(1):
                rolling.clear()
                print("SIGHUP: restarting the instances one by one…", flush=True)
                cluster.rolling_restart()
                print("Rolling restart done.", flush=True)
    except KeyboardInterrupt:
        print("\nStopping (requests in flight are finished first)…", flush=True)
    finally:
        for stop_one in reversed(stops):
            stop_one()


def _storage(settings):
    """Start moto on the local endpoint, with its bucket, when none is configured."""
    from django.core.files.storage import storages

    stops = []
    options = storages.backends["default"].get("OPTIONS", {})
    # Only the local endpoint is ours to set up; a configured bucket (MinIO, AWS) is
    # provisioned, with its policy, by its own infrastructure code.
    if settings.AWS_S3_ENDPOINT_URL is None and "endpoint_url" in options:
        s3_port = int(settings.LOCAL_S3_ENDPOINT_URL.rsplit(":", 1)[1])
        if not port_open(s3_port):
            moto = start_s3(s3_port)
            stops.append(lambda: stop(moto))
            print(f"S3 endpoint (moto) on {settings.LOCAL_S3_ENDPOINT_URL}")
        ensure_bucket(options)
    return stops


def _banner(cluster, settings, workers):
    password = settings.DJANGO_ADMIN_PASSWORD or "(printed above when first created)"
    url = cluster.url
    listing = "\n".join(
        f"    127.0.0.1:{i.port}  gunicorn master pid {i.pid}" for i in cluster.instances
    )
    victim = cluster.instances[min(1, len(cluster.instances) - 1)]
    graceful = instances_module.graceful_timeout(victim.env)
    return (
        f"\nstateless-shop is up: {url}/\n"
        f"  admin:     {url}/admin/  {settings.DJANGO_ADMIN_EMAIL} / {password}\n"
        f"  API docs:  {url}/api/docs/\n"
        f"  instances ({workers} workers each) behind nginx (pid {cluster.nginx.pid}), "
        f"round robin:\n{listing}\n"
        "\nTry a crash: shop a little, then kill one instance, master and workers:\n"
        f"    kill -9 -- -{victim.pid}\n"
        "  Keep shopping: nginx sends your requests to the other instances (the\n"
        "  X-Served-By header names the worker that answered), this window logs the\n"
        "  exit, and the instance is started again within seconds (its new pid is\n"
        "  printed here).\n"
        f"Rolling restart, each instance drained at nginx first: kill -HUP {os.getpid()}\n"
        f"Ctrl-C stops everything (requests in flight get up to {graceful} s).\n"
    )


if __name__ == "__main__":
    sys.exit(main())
