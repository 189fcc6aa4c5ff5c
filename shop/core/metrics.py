"""Prometheus metrics of one instance, summed over all of its workers.

gunicorn runs several worker processes; each one counts in its own files under
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, which
``deploy/gunicorn.conf.py`` sets up and keeps clean), and ``/metrics`` reads them all,
so one scrape of an instance sees every request any of its workers answered, dead
workers' included. Without that directory (a single process: tests, ``runserver``) the
counters live in the process.

``/metrics`` is for the scraper on the instance's own port: the public nginx refuses
it, and so does the view for any request that came through a proxy.

The functions below are the only way the rest of the code counts, each with a fixed
set of label values, so that a typo is an error and not a new time series.
"""

import sys

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from redis.exceptions import RedisError

REQUESTS = Counter(
    "shop_http_requests_total",
    "HTTP requests answered, by URL route, method and status code.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "shop_http_request_duration_seconds",
    "Time from the request entering Django to its response, by URL route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

DEPENDENCIES = ("redis", "database", "storage")
# The client libraries' base exceptions, and the dependency each one stands for.
DEPENDENCY_KINDS = (
    (RedisError, "redis"),
    (DatabaseError, "database"),
)
DEPENDENCY_ERRORS = Counter(
    "shop_dependency_errors_total",
    "Calls to a dependency that failed (Redis, the database, the S3 store).",
    ["dependency"],
)

CART_OPERATIONS = ("add", "set", "remove", "clear", "merge")
CART_OPERATIONS_TOTAL = Counter(
    "shop_cart_operations_total",
    "Cart writes carried out, by operation.",
    ["operation"],
)

CHECKOUT_OUTCOMES = ("created", "replayed", "conflict", "out_of_stock")
CHECKOUTS = Counter(
    "shop_checkout_outcomes_total",
    "Checkout attempts by outcome: an order created, an answer replayed for a retried "
    "Idempotency-Key, a key still in use or reused (conflict), or refused for stock.",
    ["outcome"],
)

# Every label value exists from the start: a rate over zero is zero, not "no data".
for _name in DEPENDENCIES:
    DEPENDENCY_ERRORS.labels(_name)
for _name in CART_OPERATIONS:
    CART_OPERATIONS_TOTAL.labels(_name)
for _name in CHECKOUT_OUTCOMES:
    CHECKOUTS.labels(_name)


def _known(value, allowed):
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value


def request_answered(*, route, method, status, seconds):
    """Count one answered request; ``route`` is the URL pattern, never the raw path."""
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route, method).observe(seconds)


def dependency_failed(dependency):
    """Count one failed call to ``dependency``: "redis", "database" or "storage"."""
    DEPENDENCY_ERRORS.labels(_known(dependency, DEPENDENCIES)).inc()


def _storage_errors():
    """botocore's base exceptions, once it is loaded. A worker loads it only when it
    touches the object store (shop.core.storage); until then no exception is one."""
    botocore = sys.modules.get("botocore.exceptions")
    return (botocore.BotoCoreError, botocore.ClientError) if botocore else ()


def dependency_of(exception):
    """The dependency whose failure caused ``exception`` (or one it was raised from),
    else None. Domain exceptions (``CartUnavailable``…) are raised ``from`` the error of
    the client library, which names the dependency."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        for kind, name in (*DEPENDENCY_KINDS, (_storage_errors(), "storage")):
            if isinstance(exception, kind):
                return name
        exception = exception.__cause__ or exception.__context__
    return None


def dependency_failed_for(exception):
    """Count ``exception`` against the dependency it came from, if any; return that name."""
    name = dependency_of(exception)
    if name is not None:
        dependency_failed(name)
    return name


def cart_operation(operation):
    """Count one cart write: "add", "set", "remove", "clear" or "merge"."""
    CART_OPERATIONS_TOTAL.labels(_known(operation, CART_OPERATIONS)).inc()


def checkout_outcome(outcome):
    """Count one checkout: "created", "replayed", "conflict" or "out_of_stock"."""
    CHECKOUTS.labels(_known(outcome, CHECKOUT_OUTCOMES)).inc()


def registry():
    """What a scrape reads: every worker's files in multiprocess mode, else this process."""
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected, path=settings.PROMETHEUS_MULTIPROC_DIR)
    return collected


@never_cache
def metrics(request):
    """The Prometheus text format, for a scraper on the instance's own port.

    A request that came through a proxy (it carries X-Forwarded-For) gets a 404, as if
    there were no such page: the public must not read these numbers even if a proxy in
    front forgot to refuse ``/metrics`` itself.
    """
    if "HTTP_X_FORWARDED_FOR" in request.META:
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
