"""The processes a benchmark starts and reads: a private Redis, gunicorn instances, moto.

Every process is started in its own session and stopped by its process group, never by
name. CPU time and memory are read from ``/proc``: ``utime + stime`` of a process, plus
``cutime + cstime`` of a gunicorn master, which is where a recycled worker's CPU time
lands when the master reaps it, so a worker replaced mid-run is still counted.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process=None, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f} s")


def stop(process, timeout=15.0):
    """SIGTERM the process group, SIGKILL whatever is left after ``timeout``."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


# --- /proc -------------------------------------------------------------------------------


def _stat_fields(pid):
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from "state" on


def cpu_seconds(pid, *, children=False):
    """CPU seconds of ``pid`` (all its threads); with ``children``, plus reaped children."""
    try:
        fields = _stat_fields(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLOCK_TICK


def children_of(pid):
    """Direct children of ``pid`` (from every /proc/<n>/stat's parent field)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat_fields(entry)[1]) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return found


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


# --- processes ---------------------------------------------------------------------------


def start_redis():
    """A private Redis on a free port (noeviction, nothing saved), so that its CPU time
    is the benchmark's alone."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory-policy",
            "noeviction",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, process)
    return process, port


def start_moto():
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, process)
    return process, port


@dataclass
class Instance:
    """One gunicorn instance: ``deploy/gunicorn.conf.py`` with the shop's or the floor's
    WSGI application; ``options`` are the ``GUNICORN_*`` variables that config reads."""

    app: str
    env: dict
    options: dict
    ready_path: str = "/healthz"
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, log):
        self.port = free_port()
        env = {
            **os.environ,
            **self.env,
            "PORT": str(self.port),
            **{f"GUNICORN_{k.upper()}": str(v) for k, v in self.options.items()},
        }
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), self.app],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process)
        want = int(self.options.get("workers", 1))
        deadline = time.monotonic() + 60
        while len(self.workers()) < want and time.monotonic() < deadline:
            time.sleep(0.05)
        self.wait_until_answering(deadline)

    def wait_until_answering(self, deadline):
        """The master listens before its workers have loaded the app (and it exits when
        they cannot): ready means a request answered 200."""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited; see var/bench/servers.log")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.app} did not answer {self.ready_path} with 200")

    def workers(self):
        return children_of(self.process.pid) if self.process else []

    def stop(self):
        stop(self.process)


@dataclass
class Deployment:
    """The instances of one contender; the load driver routes shoppers over them."""

    instances: list = field(default_factory=list)

    @property
    def urls(self):
        return [i.url for i in self.instances]

    def start(self, log):
        try:
            for instance in self.instances:
                instance.start(log)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        for instance in self.instances:
            instance.stop()

    def masters(self):
        return [i.process.pid for i in self.instances if i.process]

    def workers(self):
        return [pid for i in self.instances for pid in i.workers()]

    def cpu_seconds(self):
        """Masters with their reaped children, plus the live workers."""
        return sum(cpu_seconds(p, children=True) for p in self.masters()) + sum(
            cpu_seconds(p) for p in self.workers()
        )

    def worker_rss_mb(self):
        return [rss_mb(p) for p in self.workers()]

    def settled_rss_mb(self, timeout=60.0):
        """Worker RSS once the workers have finished loading the application (no change
        over a second), as a freshly booted worker holds it before its first request."""
        deadline = time.monotonic() + timeout
        last = self.worker_rss_mb()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.worker_rss_mb()
            steady = len(now) == len(last) and all(
                abs(a - b) < 0.25 for a, b in zip(now, last, strict=True)
            )
            if steady:
                return now
            last = now
        return last
