"""How the API documents a keyed request's answers (drf-spectacular), so that a client
can act on them: retry "still running" (409 ``idempotency_key_in_use``, ``Retry-After``),
never a replayed refusal (``Idempotent-Replayed: true``). See ``shop.core.idempotency``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .exceptions import IdempotencyInProgress, IdempotencyMismatch
from .idempotency import IN_PROGRESS_CODE, MISMATCH_CODE, REPLAYED_HEADER

IN_PROGRESS_EXAMPLE = OpenApiExample(
    IN_PROGRESS_CODE,
    summary="The first request with this key is still running: retry later",
    description=(
        "Nothing was done by this request. Send it again unchanged, with the same key, "
        "after `Retry-After` seconds: it then answers what the first request ended in."
    ),
    value={"detail": str(IdempotencyInProgress()), "code": IN_PROGRESS_CODE},
    status_codes=["409"],
    response_only=True,
)
RESPONSE_HEADERS = [
    OpenApiParameter(
        REPLAYED_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        enum=["true"],
        response=True,
        description="Present when the answer replays the recorded answer of an earlier "
        "request with the same key (its status and body, whatever they were).",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[409],
        description="Seconds to wait before retrying, on `idempotency_key_in_use` only.",
    ),
]


class IdempotencyErrorSerializer(serializers.Serializer):
    """The API's error body, as a keyed request's 409 and 422 have it."""

    detail = serializers.CharField()
    code = serializers.CharField()

    class Meta:
        ref_name = "IdempotencyError"


def schema_responses(*conflicts, conflict_serializer=None):
    """The 409 and 422 of an operation that takes an ``Idempotency-Key``, for
    ``extend_schema(responses=...)``; add ``RESPONSE_HEADERS`` to its parameters.

    ``conflicts`` are ``OpenApiExample`` objects of the operation's own 409 refusals (such
    as checkout's ``out_of_stock``), documented beside "still running";
    ``conflict_serializer`` is the 409 body when those add fields to the error body.
    """
    error = IdempotencyErrorSerializer
    codes = ", ".join(f"`{example.name}`" for example in conflicts)
    conflict = (
        f"`{IN_PROGRESS_CODE}` (with `Retry-After`): the first request with this key is "
        "still running; retry the same request with the same key."
    )
    if conflicts:
        conflict += (
            f" {codes}: a refusal; with `{REPLAYED_HEADER}: true` it is the recorded answer "
            "of this key, which a retry with the same key gets again: change the request "
            "and send a new key. Tell them apart by `code`, never by the status alone."
        )
    return {
        409: OpenApiResponse(
            conflict_serializer or error,
            description=conflict,
            examples=[IN_PROGRESS_EXAMPLE, *conflicts],
        ),
        422: OpenApiResponse(
            error,
            description=f"`{MISMATCH_CODE}`: this key was already used with another request.",
            examples=[
                OpenApiExample(
                    MISMATCH_CODE,
                    value={"detail": str(IdempotencyMismatch()), "code": MISMATCH_CODE},
                    status_codes=["422"],
                    response_only=True,
                )
            ],
        ),
    }
