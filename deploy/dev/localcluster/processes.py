"""Ports and processes: wait for a port to answer, stop a process group by its pid."""

import os
import signal
import socket
import subprocess
import sys
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


def free_port():
    """A port nothing listens on right now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
