"""One error body for the whole API, and one place that maps errors to HTTP.

Every error response is JSON shaped ``{"detail": <readable sentence>, "code": <stable
machine code>}``, plus ``"errors": {field: [messages]}`` for invalid input. The domain
exceptions of the services (``CartUnavailable``, ``EmptyCart``, the idempotency errors…)
are mapped to HTTP in ``DOMAIN_ERRORS``; those with a body of their own
(``InvalidCartRequest``, ``OutOfStock``) in ``exception_handler``; a replayed
``OutOfStock`` (a recorded checkout answer) says so in ``Idempotent-Replayed``.

No response names an internal: a database error's text (host, port, role, the
statement it was running) goes to the log, and the client reads the fixed sentence of
``PUBLIC_MESSAGES``. Domain exceptions carry sentences written for shoppers.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.exceptions import IdentityUnavailable, LoginThrottled, MailUnavailable
from carts.exceptions import CartUnavailable, InvalidCartRequest

from .core import exceptions as idempotency
from .core import idempotency as idempotency_runner
from .core.idempotency import mark_replayed
from .orders.exceptions import EmptyCart, OutOfStock, UnknownPaymentMethod
from .parsers import RequestTooLarge

logger = logging.getLogger(__name__)


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


# Domain exception -> (DRF exception class, code). The single place where they meet HTTP.
DOMAIN_ERRORS = {
    IdentityUnavailable: (ServiceUnavailable, "service_unavailable"),
    MailUnavailable: (ServiceUnavailable, "mail_unavailable"),
    CartUnavailable: (ServiceUnavailable, "cart_unavailable"),
    idempotency.IdempotencyUnavailable: (ServiceUnavailable, "service_unavailable"),
    idempotency.InvalidIdempotencyKey: (exceptions.ParseError, "invalid_idempotency_key"),
    idempotency.IdempotencyInProgress: (Conflict, idempotency_runner.IN_PROGRESS_CODE),
    idempotency.IdempotencyMismatch: (Unprocessable, idempotency_runner.MISMATCH_CODE),
    # A database that cannot be reached (not a query that failed): a 503, not a 500.
    OperationalError: (ServiceUnavailable, "database_unavailable"),
    EmptyCart: (BadRequest, "empty_cart"),
    UnknownPaymentMethod: (BadRequest, "unknown_payment_method"),
}
# What a client reads instead of the exception's own text, which is for operators.
PUBLIC_MESSAGES = {
    OperationalError: "The database is unavailable for a moment. Please try again shortly.",
}
# Seconds a client should wait before retrying: an outage (Redis failing over, the
# database restarting) takes seconds; a keyed request still running, about one.
OUTAGE_RETRY_AFTER = 5
RETRY_AFTER = {idempotency.IdempotencyInProgress: idempotency_runner.IN_PROGRESS_RETRY_AFTER}


def retry_after(exc):
    """Seconds for ``Retry-After`` when a retry of the same request can succeed, or None."""
    for kind, seconds in RETRY_AFTER.items():
        if isinstance(exc, kind):
            return seconds
    return OUTAGE_RETRY_AFTER if outage(exc) is not None else None


def public_message(exc):
    """The sentence a client may read for ``exc``; logs the detail it replaces."""
    for kind, message in PUBLIC_MESSAGES.items():
        if isinstance(exc, kind):
            logger.error("%s: %s", type(exc).__name__, str(exc).strip())
            return message
    return str(exc)


def _as_api_exception(exc):
    """Map a domain exception to the DRF exception that carries its HTTP meaning."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, LoginThrottled):
        return exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    if isinstance(exc, RequestDataTooBig):  # Django's message names a setting: ours does not
        return RequestTooLarge()
    for domain, (api_exception, code) in DOMAIN_ERRORS.items():
        if isinstance(exc, domain):
            return api_exception(public_message(exc), code=code)
    return exc


def error_body(detail, code, errors=None):
    body = {"detail": str(detail), "code": str(code)}
    if errors is not None:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    """DRF's handler with the body reshaped; non-API exceptions fall through to Django."""
    if isinstance(exc, InvalidCartRequest):
        body = error_body(str(exc), exc.code, {exc.field: [str(exc)]})
        if exc.available is not None:
            body["available"] = exc.available
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, OutOfStock):
        body = {**error_body(str(exc), "out_of_stock"), "lines": exc.lines}
        response = Response(body, status=status.HTTP_409_CONFLICT)
        return mark_replayed(response, exc.replayed)  # a recorded checkout answer
    wait = retry_after(exc)
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(_first_message(errors), "invalid", errors)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(response.data.get("detail", exc), code)
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


def _first_message(errors):
    """A readable one-line summary such as "search: Ensure this value has at most 200…"."""
    for field, messages in errors.items():
        message = messages[0] if isinstance(messages, list) and messages else messages
        if isinstance(message, dict):
            return _first_message(message)
        return str(message) if field == "non_field_errors" else f"{field}: {message}"
    return "Invalid input."


def json_error(detail, code, status_code, errors=None):
    """A Django ``JsonResponse`` in the API's error shape, for code outside DRF views."""
    return JsonResponse(error_body(detail, code, errors), status=status_code)


# The outages among the domain errors, with their codes, for the page-side handler.
OUTAGE_CODES = {
    domain: code for domain, (kind, code) in DOMAIN_ERRORS.items() if kind is ServiceUnavailable
}


def outage(exc):
    """The code of ``exc`` when it is a dependency outage (a 503), else None."""
    return next((code for kind, code in OUTAGE_CODES.items() if isinstance(exc, kind)), None)
