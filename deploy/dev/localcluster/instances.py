"""gunicorn instances of the shop, started with deploy/gunicorn.conf.py."""

import os
import runpy
import subprocess
import threading
import time
from urllib.error import URLError
from urllib.request import urlopen

from .processes import BASE_DIR, BIN, stop, wait_for_port

GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
# Beyond gunicorn's graceful timeout, the master needs a moment to reap its workers.
STOP_MARGIN_SECONDS = 5


def start_instance(port, env, workers=2, threads=4, worker_class="gthread", log=None):
    """One gunicorn instance of the shop on ``port`` with ``env`` added to ours.

    Returns the master's ``Popen`` once the port answers (workers may still be booting:
    connections wait in the listen queue meanwhile). The master leads a process group
    of its own, so ``stop`` reaches its workers too. ``log``, a path, receives its
    output (appended); by default it goes where ours goes.
    """
    process = spawn_instance(port, env, workers, threads, worker_class, log)
    try:
        wait_for_port(port, process)
    except TimeoutError:
        stop(process)
        raise
    return process


def spawn_instance(port, env, workers=2, threads=4, worker_class="gthread", log=None):
    """Start gunicorn as :func:`start_instance` does, without waiting for its port."""
    process_env = {
        **os.environ,
        # Its log lines say which instance wrote them (they share one host name here).
        "INSTANCE_NAME": f"127.0.0.1:{port}",
        **env,
        "PORT": str(port),
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_WORKER_CLASS": worker_class,
    }
    output = open(log, "ab") if log is not None else None  # noqa: SIM115 (the child keeps it)
    try:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "shop.wsgi:application"],
            cwd=BASE_DIR,
            env=process_env,
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            start_new_session=True,
        )
    finally:
        if output is not None:
            output.close()


def graceful_timeout(env):
    """Seconds gunicorn gives requests in flight on SIGTERM, for an instance of ``env``."""
    if "GUNICORN_GRACEFUL_TIMEOUT" in env:
        return int(env["GUNICORN_GRACEFUL_TIMEOUT"])
    return runpy.run_path(str(GUNICORN_CONF))["graceful_timeout"]


def wait_until_healthy(port, timeout=30.0):
    """Return once the instance on ``port`` answers /healthz with 200 (a worker is up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the instance on port {port} is not healthy after {timeout} s")
        time.sleep(0.1)


class Instance:
    """One instance on a fixed port that can be stopped and started again.

    ``wanted`` says whether it should be running: the supervisor restarts an instance
    that exits while wanted, and leaves alone one being stopped on purpose. ``lock`` is
    held while the instance is being started or stopped.
    """

    def __init__(self, port, env, **options):
        self.port = port
        self.env = env
        self.options = options
        self.process = None
        self.wanted = False
        self.started_at = None
        self.lock = threading.RLock()
        self.stop_timeout = graceful_timeout(env) + STOP_MARGIN_SECONDS

    def __repr__(self):
        return f"<Instance 127.0.0.1:{self.port} pid {self.pid}>"

    @property
    def name(self):
        return f"instance 127.0.0.1:{self.port}"

    @property
    def pid(self):
        """The gunicorn master's pid (also its process group's id), or None."""
        return self.process.pid if self.process is not None else None

    def poll(self):
        return self.process.poll() if self.process is not None else None

    def wait(self, timeout=None):
        return self.process.wait(timeout)

    def start(self):
        """Start gunicorn and return once its port answers.

        Raises RuntimeError when it exits first (the supervisor, which sees it dead, will
        try again), TimeoutError when it never answers (it is stopped then).
        """
        with self.lock:
            self.wanted = True
            self.process = spawn_instance(self.port, self.env, **self.options)
            self.started_at = time.monotonic()
            try:
                wait_for_port(self.port, self.process)
            except TimeoutError:
                stop(self.process)
                raise

    def stop(self):
        """SIGTERM: gunicorn stops accepting, finishes requests in flight, then exits.

        Waits ``stop_timeout`` (gunicorn's graceful timeout and a margin) before SIGKILL.
        """
        with self.lock:
            self.wanted = False
            if self.process is not None:
                stop(self.process, timeout=self.stop_timeout)
