"""nginx in front of the instances: deploy/nginx.conf rendered with our ports.

A drained instance is marked ``down`` in the rendered configuration and nginx is told to
reload it (SIGHUP): new nginx workers never send it a request, old ones finish theirs
and exit. Only then is the instance stopped, so that nothing in flight is cut off.
"""

import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .processes import BASE_DIR, children, stop, wait_for_port

NGINX_CONF = BASE_DIR / "deploy" / "nginx.conf"
UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;$", flags=re.M)


def render_nginx_conf(listen_port, upstream_ports, down=()):
    """``deploy/nginx.conf`` listening on ``listen_port`` in front of ``upstream_ports``.

    Ports in ``down`` are marked ``down``: nginx sends them nothing.
    """
    text = NGINX_CONF.read_text()
    indent, options = UPSTREAM_SERVER.findall(text)[0]
    block = "\n".join(
        f"{indent}server 127.0.0.1:{port}{options}{' down' if port in down else ''};"
        for port in upstream_ports
    )
    text = re.sub(r"(^\s*server 127\.0\.0\.1:\d+[^;]*;\n)+", block + "\n", text, flags=re.M)
    return re.sub(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{listen_port};", text)


class Balancer:
    """One nginx master in the foreground, with a private prefix (temp folders, pid)."""

    def __init__(self, listen_port, upstream_ports):
        self.listen_port = listen_port
        self.upstream_ports = list(upstream_ports)
        self.down = set()
        self.process = None
        self.wanted = False
        self.started_at = None
        self.prefix = Path(tempfile.mkdtemp(prefix="shop-lb-"))
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            # nginx workers drop root privileges; temp folders must stay writable to them.
            (self.prefix / "tmp" / name).mkdir(parents=True)
            (self.prefix / "tmp" / name).chmod(0o1777)
        (self.prefix / "tmp").chmod(0o1777)
        self.prefix.chmod(0o755)
        self.conf = self.prefix / "nginx.conf"
        self._write_conf()
        self.lock = threading.RLock()

    name = "nginx"

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    def poll(self):
        return self.process.poll() if self.process is not None else None

    def wait(self, timeout=None):
        return self.process.wait(timeout)

    def start(self):
        """Start nginx and return once it listens (RuntimeError if it exits first)."""
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        with self.lock:
            self.wanted = True
            self.process = subprocess.Popen(
                [nginx, "-p", self.prefix, "-c", self.conf, "-e", "stderr", "-g", "daemon off;"],
                start_new_session=True,
            )
            self.started_at = time.monotonic()
            wait_for_port(self.listen_port, self.process)

    def set_down(self, ports, timeout=60.0):
        """Mark ``ports`` down (and every other port up); return once nginx uses that.

        Returns after every nginx worker that ran the previous configuration has exited,
        that is, after the requests it was proxying have been answered.
        """
        with self.lock:
            self.down = set(ports)
            self._write_conf()
            old_workers = set(children(self.process.pid))
            self.process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + timeout
            while old_workers & set(children(self.process.pid)):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"nginx workers {old_workers} still run after {timeout} s")
                time.sleep(0.05)

    def stop(self, timeout=10.0):
        """SIGQUIT: nginx's graceful shutdown (SIGTERM would cut requests in flight)."""
        with self.lock:
            self.wanted = False
            if self.process is None or self.process.poll() is not None:
                return
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                stop(self.process)

    def remove(self):
        shutil.rmtree(self.prefix, ignore_errors=True)

    def _write_conf(self):
        self.conf.write_text(render_nginx_conf(self.listen_port, self.upstream_ports, self.down))
