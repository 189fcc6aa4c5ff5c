"""Liveness and readiness, one small check class per dependency.

``/healthz`` says the process can answer; it touches nothing, so a Redis outage never
gets pods restarted. ``/readyz`` asks every dependency and answers 503 naming the ones
that failed, so the load balancer stops sending traffic to an instance that cannot serve.
"""

import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from carts.checks import eviction_problem

from .core import metrics
from .core.storage import S3Storage


class CheckFailed(Exception):
    """A dependency did not answer.

    ``reason`` is what /readyz shows (it is public behind the load balancer: no hosts,
    ports or credentials); ``detail`` goes to the log, for operators.
    """

    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.detail = detail


class DatabaseCheck:
    name = "database"

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            raise CheckFailed("not reachable", str(exc).strip()) from exc


class RedisCheck:
    """Pings every cache alias served by django-redis, and refuses a carts Redis that
    may evict keys (``maxmemory-policy`` other than ``noeviction``)."""

    name = "redis"

    def run(self):
        for alias, config in settings.CACHES.items():
            if not config["BACKEND"].startswith("django_redis."):
                continue
            try:
                get_redis_connection(alias).ping()
            except RedisError as exc:
                raise CheckFailed(f"cache alias {alias!r} not reachable", str(exc)) from exc
        problem = eviction_problem()
        if problem is not None:
            raise CheckFailed(problem)


class StorageCheck:
    """Asks the object store for the bucket; checks a local media folder is writable.

    boto3 is imported here, not with the module: a worker loads the S3 client only when
    it answers a readiness probe or touches a file (see shop.core.storage).
    """

    name = "storage"
    # One quick attempt: a probe must answer within the load balancer's patience.
    probe_config = {"connect_timeout": 0.5, "read_timeout": 1, "retries": {"total_max_attempts": 1}}

    def run(self):
        storage = storages["default"]
        if isinstance(storage, S3Storage):
            import boto3
            from botocore.config import Config
            from botocore.exceptions import BotoCoreError, ClientError

            client = boto3.session.Session().client(
                "s3",
                endpoint_url=storage.endpoint_url,
                region_name=storage.region_name,
                aws_access_key_id=storage.access_key,
                aws_secret_access_key=storage.secret_key,
                config=storage.client_config.merge(Config(**self.probe_config)),
            )
            try:
                client.head_bucket(Bucket=storage.bucket_name)
            except (BotoCoreError, ClientError) as exc:
                raise CheckFailed("bucket not reachable", str(exc)) from exc
        elif isinstance(storage, FileSystemStorage):
            # The folder appears with the first upload; until then its parent must allow it.
            folder = Path(storage.location)
            while not folder.exists():
                folder = folder.parent
            if not os.access(folder, os.W_OK):
                raise CheckFailed("media folder not writable", str(storage.location))


CHECKS = (DatabaseCheck(), RedisCheck(), StorageCheck())
logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    results, failures = {}, []
    for check in CHECKS:
        started = time.monotonic()
        try:
            check.run()
        except CheckFailed as exc:
            logger.error("readiness: %s %s: %s", check.name, exc, exc.detail)
            metrics.dependency_failed(check.name)
            results[check.name] = {"status": "failed", "error": str(exc)}
            failures.append(check.name)
        else:
            results[check.name] = {"status": "ok"}
        results[check.name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    if failures:
        body = {"status": "unavailable", "detail": f"unavailable: {', '.join(failures)}"}
        return JsonResponse({**body, "checks": results}, status=503)
    return JsonResponse({"status": "ok", "checks": results})
