"""How the API reads request bodies: JSON only, bounded in size and in depth.

Size: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bounds every body the API parses. DRF
applies it to JSON (and form) bodies from 3.17.2 on, by reading them through
``HttpRequest.body``; 3.18.2 also refuses byte-transform "charsets" (``bz2_codec``)
that would inflate a small body after the check. pyproject.toml pins at least 3.18.2,
so nothing is re-implemented here; the ``RequestDataTooBig`` that Django raises is
answered 413 by ``shop.api_errors`` with ``RequestTooLarge``.
"""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (read at call time): 413."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is larger than the {limit:,} bytes this API accepts.")


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested too deep for Python answered 400, not 500.

    ``json.loads`` raises ``RecursionError`` (not ``ValueError``, which DRF handles) on a
    few kilobytes of ``[[[[...]]]]``.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
