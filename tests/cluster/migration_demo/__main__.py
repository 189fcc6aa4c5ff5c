"""``make demo-migration``: run every set-up, print the table, write docs/migration-demo.md.

    PYTHONPATH=deploy/dev .venv/bin/python -m tests.cluster.migration_demo [--rounds 20]

Everything runs on loopback and on data of its own: a Redis server and an S3 endpoint
(moto) started for the run, and a database created for it beside the configured one
(``<name>_migration_demo``, migrated the way Django's test runner does it) and dropped
at the end, so that `make run`'s shop is left alone. PostgreSQL comes from
DATABASE_URL (or the development default), as everywhere else.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import django

import localcluster

from . import report
from .setups import SETUPS

DEFAULT_OUT = localcluster.BASE_DIR / "docs" / "migration-demo.md"
DEFAULT_LOG = localcluster.BASE_DIR / "var" / "migration-demo.log"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.cluster.migration_demo")
    parser.add_argument("--rounds", type=int, default=20, help="rounds per set-up (two lines each)")
    parser.add_argument("--instances", type=int, default=3, help="app instances per set-up")
    parser.add_argument("--only", default="", help="set-up keys to run, e.g. 'a,e' (default: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown report")
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help="the processes' output")
    args = parser.parse_args(argv)
    if args.rounds < 2 or args.instances < 2:
        parser.error("--rounds and --instances must be at least 2")
    keys = {key.strip() for key in args.only.split(",") if key.strip()}
    setups = [s for s in SETUPS if not keys or s.key in keys]

    print(f"instance, nginx and Redis output: {args.log}", flush=True)
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="migration-demo-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        console = stack.enter_context(_output_to(args.log))
        base_env = _infrastructure(stack, workdir)
        from .runner import run_demo  # the models it uses need django.setup() first

        outcomes = run_demo(
            setups,
            base_env=base_env,
            workdir=workdir,
            rounds=args.rounds,
            instances=args.instances,
            log=lambda line: print(line, file=console, flush=True),
        )

    print()
    print(report.terminal_table(outcomes))
    args.out.write_text(
        report.markdown(outcomes, rounds=args.rounds, machine=report.machine(), when=report.now())
    )
    print(f"\nwrote {args.out}")


@contextmanager
def _output_to(path):
    """Send file descriptors 1 and 2 to ``path`` meanwhile; yield the terminal.

    What the instances, nginx and Redis print (the shopper's 403s and 404s, nginx
    noticing a killed instance) is the run's log, not its result: the processes started
    meanwhile inherit the file, and progress goes to the yielded console.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(saved[0]), "w", buffering=1)
    try:
        with path.open("w") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            yield console
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
        console.close()


def _infrastructure(stack, workdir):
    """Redis, moto, a database and static files of the run's own; the instances' env."""
    redis_port = localcluster.free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    stack.callback(localcluster.stop, redis)
    localcluster.wait_for_port(redis_port, redis)
    s3_port = localcluster.free_port()
    moto = localcluster.start_s3(s3_port)
    stack.callback(localcluster.stop, moto)
    env = {
        "DJANGO_SETTINGS_MODULE": "shop.settings.stateless",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "AWS_STORAGE_BUCKET_NAME": "migration-demo",
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo-secret",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    os.environ.update(env)
    # This process migrates and drops a database: one-off statements with no timeout.
    # The instances, which inherit os.environ, get the configured one back.
    configured = os.environ.pop("DATABASE_STATEMENT_TIMEOUT", None)
    os.environ["DATABASE_STATEMENT_TIMEOUT"] = "0"
    django.setup()
    del os.environ["DATABASE_STATEMENT_TIMEOUT"]
    if configured is not None:
        os.environ["DATABASE_STATEMENT_TIMEOUT"] = configured
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    localcluster.ensure_bucket(settings.STORAGES["default"]["OPTIONS"])
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = (
        str(workdir / "demo.sqlite3")
        if connection.vendor == "sqlite"
        else f"{original_name}_migration_demo"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    stack.callback(connection.creation.destroy_test_db, original_name, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    return {**env, "DATABASE_URL": _database_url(connection.settings_dict)}


def _database_url(db):
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    user = quote(db["USER"], safe="")
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


if __name__ == "__main__":
    sys.exit(main())
