"""Request ids and one structured log line per request.

nginx passes ``X-Request-ID`` (its own ``$request_id`` when the client sent none or an
unusable one); the app keeps a usable one, makes one up otherwise, echoes it on the
response and writes one JSON line per request to the ``shop.requests`` logger::

    {"time": "...", "request_id": "...", "instance": "127.0.0.1:8001", "worker": 4242,
     "method": "POST", "route": "api/v1/cart/items/", "path": "/api/v1/cart/items/",
     "status": 200, "duration_ms": 12.3, "user_id": 7}

Only these fields are written: never a header, cookie, token, password or query
string. Every other log line of the request carries the id too (``RequestIdFilter``).
"""

import contextvars
import json
import logging
import os
import re
import secrets
import time
from datetime import UTC, datetime

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

from .core import metrics

HEADER = "X-Request-ID"
# The same header read from the WSGI environ, without building ``request.headers``.
META_KEY = "HTTP_X_REQUEST_ID"
# What nginx generates (32 hex digits) and what tracing systems send; anything else is
# replaced, so that no client can write arbitrary text into the logs.
USABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

logger = logging.getLogger("shop.requests")
# One encoder for every line: json.dumps(line, default=str) would build one per call.
encoder = json.JSONEncoder(default=str)
current_request_id = contextvars.ContextVar("current_request_id", default="-")


def request_id_of(request):
    """The request's usable ``X-Request-ID``, or a new random one (32 hex digits)."""
    given = request.META.get(META_KEY, "")
    return given if USABLE_ID.fullmatch(given) else secrets.token_hex(16)


def known_user_id(request):
    """The id of the user this request has already been found to be, else None.

    Never looks anything up: a request that did not ask who it is (the catalog) reads
    no cookie, no token and no Redis for its log line. DRF views put the authenticated
    user on the request; page views evaluate the lazy ``request.user`` when they use it.
    """
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        # Django's own lazy-object sentinel: not evaluated means nobody asked.
        if user._wrapped is empty:
            return None
        user = user._wrapped
    if user is None or not user.is_authenticated:
        return None
    return user.pk


def route_of(request):
    """The URL pattern that answered (``products/<slug:slug>/``), never the raw path.

    "static" for files whitenoise serves before URL routing, "unmatched" for the rest.
    """
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.route
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class RequestLogMiddleware:
    """Outermost: gives every request its id, times it, logs it and counts it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        token = current_request_id.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        seconds = time.monotonic() - started
        response[HEADER] = request.request_id
        route = route_of(request)
        metrics.request_answered(
            route=route, method=request.method, status=response.status_code, seconds=seconds
        )
        logger.info(
            "request",
            extra={
                "fields": {
                    "request_id": request.request_id,
                    "instance": settings.INSTANCE_NAME,
                    "worker": os.getpid(),
                    "method": request.method,
                    "route": route,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "user_id": known_user_id(request),
                }
            },
        )
        return response


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's fields."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields is not None:
            line.update(fields)
        else:
            line["message"] = record.getMessage()
            line["request_id"] = current_request_id.get()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return encoder.encode(line)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (of the request being answered, else "-") to every record."""

    def filter(self, record):
        record.request_id = current_request_id.get()
        return True
