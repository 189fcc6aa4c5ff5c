from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


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
