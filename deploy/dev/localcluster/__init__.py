"""The local cluster: an S3 endpoint, gunicorn instances and nginx in front, supervised.

Development tooling, not part of the shop's package: ``make run`` runs it
(``python -m localcluster``, see ``__main__.py``) and the tests start the same
processes through it, so that what the tests prove is what a developer runs. Each
helper starts one real process and waits until it answers; ``Cluster.stop`` ends
everything it started, by pid.
"""

from .cluster import Cluster
from .instances import (
    GUNICORN_CONF,
    Instance,
    graceful_timeout,
    start_instance,
    wait_until_healthy,
)
from .nginx import NGINX_CONF, Balancer, render_nginx_conf
from .processes import BASE_DIR, BIN, children, free_port, port_open, stop, wait_for_port
from .s3 import PUBLIC_PREFIXES, ensure_bucket, start_s3
from .supervisor import Supervisor

__all__ = [
    "BASE_DIR",
    "BIN",
    "GUNICORN_CONF",
    "NGINX_CONF",
    "PUBLIC_PREFIXES",
    "Balancer",
    "Cluster",
    "Instance",
    "Supervisor",
    "children",
    "ensure_bucket",
    "free_port",
    "graceful_timeout",
    "port_open",
    "render_nginx_conf",
    "start_instance",
    "start_s3",
    "stop",
    "wait_for_port",
    "wait_until_healthy",
]
