"""gunicorn settings for one app instance; every value can be set from the environment.

Workers keep nothing between requests, so they may be recycled (``max_requests``) or
killed at any moment; the load balancer retries idempotent requests elsewhere.
"""

import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8001')}")
# Measured with the `gunicorn` phase of `make bench` (docs/benchmarks.md, "gunicorn
# settings"): on 2 cores, 2 workers served more than 4 (the scaling table), one per core.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# gthread: a slow client or a slow Redis call blocks one thread, not the whole worker.
# Measured on 2 workers, in two runs: on a loaded machine gthread with 2 or 4 threads
# spent 10-15 % less server CPU per request than sync (api-guest 5.9 and 5.8 against
# 6.7 ms); on a quieter one gthread with 2 threads matched sync (api-guest 412 against
# 410 req/s, 4.3 against 4.1 ms) while 4 threads cost more (5.0 ms) and doubled p99.
# 2 threads is the setting both runs support, and keeps a second request going while
# one waits on a slow dependency.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# A worker silent this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish before workers are killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycling workers is harmless when they hold no state, and bounds any slow leak. It is
# not free: a new worker imports the application again (about 0.8 s of CPU measured, more
# to warm up). At 5,000 requests a worker recycled every 30 to 160 s under the
# benchmark's load, about 0.15 ms per request; with recycling off the same load measured
# alike (api-guest 5.5 against 5.8 ms). 50,000 recycles a busy worker every few minutes
# and bounds what one can gain (a worker grew about 2 MB per 10,000 requests).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "5000"))
# preload_app stays off. Measured (2 sync workers, warm): with it each worker had
# 78 MB RSS and 43 MB PSS instead of 90 and 69, the master 88 MB RSS (41 PSS) instead of
# 24; about 25 MB less per worker in all. But the master would then import the
# application before on_starting below prepares PROMETHEUS_MULTIPROC_DIR, which
# prometheus_client reads when imported: preparing it when this file is read comes first.
preload_app = False
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
