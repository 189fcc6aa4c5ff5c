"""Ports and processes: wait for a port to answer, stop a process group by its pid."""

import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

# The project root (manage.py, deploy/, shop/), whatever the current directory.
BASE_DIR = Path(__file__).resolve().parents[3]
# The virtualenv's bin/, where gunicorn and moto_server live.
BIN = Path(sys.executable).parent


def port_open(port, host="127.0.0.1", timeout=0.2):
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# free_port() hands out ports below the kernel's ephemeral range (32768 and up on Linux),
# where outgoing connections take their local ports: a port picked there could be taken by
# one in the moment before our server binds it. Each pytest-xdist worker gets a slice of
# its own, so that parallel test processes never pick the same port either.
_PORTS_LOW, _PORTS_SLICE, _PORTS_SLICES = 12000, 2500, 8
_next_port_lock = threading.Lock()


def _port_cycle():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    low = _PORTS_LOW + (int(worker) % _PORTS_SLICES if worker.isdigit() else 0) * _PORTS_SLICE
    ports = list(range(low, low + _PORTS_SLICE))
    start = random.randrange(len(ports))  # noqa: S311 (two processes of a slice rarely meet)
    return itertools.cycle(ports[start:] + ports[:start])


_ports = _port_cycle()


def free_port():
    """A port nothing is bound to right now, never the same one twice in a row.

    Taken in turn from this process's slice below the ephemeral range (see above).
    """
    with _next_port_lock:
        for _ in range(_PORTS_SLICE):
            port = next(_ports)
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def wait_for_port(port, process=None, timeout=30.0):
    """Return once 127.0.0.1:``port`` answers.

    Raises RuntimeError when ``process`` exits first, TimeoutError after ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f} s")


def stop(process, timeout=10.0):
    """SIGTERM the process group, then SIGKILL whatever is left after ``timeout``.

    Every process here is started with ``start_new_session=True``, so its group holds
    the process and its children (gunicorn's workers, nginx's workers).
    """
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def children(pid):
    """The pids whose parent is ``pid`` (read from /proc: Linux only)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found
