"""Start the local cluster: an S3 endpoint, gunicorn instances and nginx in front.

Used by ``manage.py runcluster`` (behind ``make run``) and by the cluster tests, so that
what the tests prove is what a developer runs. Each helper starts one real process and
waits until it answers; ``Cluster.stop`` ends everything it started, by pid.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

BASE_DIR = Path(__file__).resolve().parent.parent
NGINX_CONF = BASE_DIR / "deploy" / "nginx.conf"
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
BIN = Path(sys.executable).parent


def port_open(port, host="127.0.0.1", timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process=None, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f} s")


def start_s3(port):
    """moto's S3 server on ``port``; its data lives in the process and ends with it."""
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, process)
    return process


# Product images are public, like a shop window; everything else in the bucket is not.
PUBLIC_PREFIXES = ("products/",)


def ensure_bucket(options):
    """Create the bucket of django-storages ``options`` if missing; make images public.

    Production buckets get the same policy from their infrastructure code (or sit behind
    a CDN); see docs/operations.md.
    """
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )
    try:
        client.head_bucket(Bucket=options["bucket_name"])
    except ClientError:
        client.create_bucket(Bucket=options["bucket_name"])
    bucket = options["bucket_name"]
    statement = {
        "Sid": "PublicProductImages",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in PUBLIC_PREFIXES],
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def start_instance(port, env, workers=2, threads=4, worker_class="gthread"):
    """One gunicorn instance of the shop on ``port`` with ``env`` added to ours."""
    process_env = {
        **os.environ,
        **env,
        "PORT": str(port),
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_WORKER_CLASS": worker_class,
    }
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "shop.wsgi:application"],
        cwd=BASE_DIR,
        env=process_env,
        start_new_session=True,
    )
    wait_for_port(port, process)
    return process


def render_nginx_conf(listen_port, upstream_ports):
    """``deploy/nginx.conf`` with its listening port and upstream servers replaced."""
    text = NGINX_CONF.read_text()
    servers = re.findall(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;$", text, flags=re.M)
    indent, options = servers[0]
    block = "\n".join(f"{indent}server 127.0.0.1:{p}{options};" for p in upstream_ports)
    text = re.sub(r"(^\s*server 127\.0\.0\.1:\d+[^;]*;\n)+", block + "\n", text, flags=re.M)
    return re.sub(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{listen_port};", text)


def start_nginx(listen_port, upstream_ports):
    """nginx in the foreground with a private prefix; returns (process, prefix)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    prefix = Path(tempfile.mkdtemp(prefix="shop-lb-"))
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        # nginx workers drop root privileges; the temp folders must stay writable to them.
        (prefix / "tmp" / name).mkdir(parents=True)
        (prefix / "tmp" / name).chmod(0o1777)
    (prefix / "tmp").chmod(0o1777)
    prefix.chmod(0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(render_nginx_conf(listen_port, upstream_ports))
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
        start_new_session=True,
    )
    wait_for_port(listen_port, process)
    return process, prefix


def stop(process, timeout=10.0):
    """SIGTERM the process group, then SIGKILL whatever is left after ``timeout``."""
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


@dataclass
class Cluster:
    """Instances behind one nginx; ``stop()`` ends them all."""

    lb_port: int
    instance_ports: list
    instances: list = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    prefix: Path | None = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.lb_port}"

    @classmethod
    def start(cls, lb_port, instance_ports, env, **instance_options):
        cluster = cls(lb_port, list(instance_ports))
        try:
            for port in cluster.instance_ports:
                cluster.instances.append(start_instance(port, env, **instance_options))
            cluster.nginx, cluster.prefix = start_nginx(lb_port, cluster.instance_ports)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self):
        for process in [self.nginx, *self.instances]:
            if process is not None:
                stop(process)
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)
