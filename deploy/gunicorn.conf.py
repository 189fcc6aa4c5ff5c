"""gunicorn settings for one app instance; every value can be set from the environment.

Workers keep nothing between requests, so they may be recycled (``max_requests``) or
killed at any moment; the load balancer retries idempotent requests elsewhere.
"""

import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8001')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# gthread: a slow client or a slow Redis call blocks one thread, not the whole worker.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker silent this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish before workers are killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycling workers is harmless when they hold no state, and bounds any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "stateless-shop")
# TLS and client addresses come from the load balancer in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Several instances share a host here; one default control socket path would collide.
control_socket_disable = True

# --- Metrics: prometheus_client's multiprocess mode ------------------------------------
# Each worker counts in its own files in one directory, and /metrics sums them, so a
# scrape sees the whole instance. The directory must be empty when the master starts (a
# previous run's files would be counted again) and exist before any worker imports
# prometheus_client; PROMETHEUS_MULTIPROC_DIR names it (an emptyDir on Kubernetes),
# else the master makes a temporary one and removes it when it exits.
_metrics_dir_made_here = None


def on_starting(server):
    global _metrics_dir_made_here
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))
    else:
        directory = _metrics_dir_made_here = tempfile.mkdtemp(prefix="shop-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory


def child_exit(server, worker):
    # A dead worker's counters stay in the sums; only its live gauges are dropped.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir_made_here:
        shutil.rmtree(_metrics_dir_made_here, ignore_errors=True)
