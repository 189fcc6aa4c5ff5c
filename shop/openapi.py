"""The OpenAPI schema documents the errors every operation can answer, not only success.

Views declare their own outcomes (``extend_schema(responses=...)``); what follows from
the framework and the middleware is added here, from what the view itself says, so no
view repeats it and none can forget it:

- 400 for an operation that takes a body or parameters (invalid input);
- 401 where an authenticator runs or the view names an authentication challenge
  (a bad or expired credential, in a header or in the body);
- 403 for a write that a cookie may authenticate (CSRF);
- 404 where the path names an object, or a paginated list is asked for a page past
  its end (DRF's paginators answer that 404);
- 413 and 415 for an operation that takes a body (too large, not JSON);
- 429, with ``Retry-After``, for every write (sign-in, registration, refresh, checkout
  and cart writes are rate limited per address, user or cart) and wherever a DRF
  throttle runs;
- 503 everywhere (the database, Redis or the object store unreachable).

Every error has the one body of ``shop.api_errors``: ``{"detail", "code"}``, plus
``"errors"`` for invalid input.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from accounts.authentication import IdentityAuthentication

ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `errors` names the fields.",
    "401": "Missing, invalid or expired credentials.",
    "403": "Not allowed (a cookie-authenticated write without its CSRF token).",
    "404": "No such object, or not yours.",
    "413": "The request body is larger than the API accepts.",
    "415": "The request body is not JSON.",
    "429": "Too many requests; `Retry-After` says when to try again.",
    "503": "A service the shop depends on is unreachable; try again shortly.",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}


class ErrorSerializer(serializers.Serializer):
    """The API's one error body (see shop/api_errors.py)."""

    detail = serializers.CharField(help_text="A readable sentence.")
    code = serializers.CharField(help_text="A stable machine-readable code.")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Invalid input: a list of messages per field (an object for nested fields).",
    )

    class Meta:
        ref_name = "Error"


class ShopAutoSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema`` with the framework's error responses added."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = {"content": {"application/json": {"schema": self._error_ref()}}}
        responses = operation.setdefault("responses", {})
        for status in self._error_statuses(operation):
            response = {"description": ERROR_DESCRIPTIONS[status], **error}
            if status == "429":
                response["headers"] = {"Retry-After": RETRY_AFTER}
            responses.setdefault(status, response)
        return operation

    def _error_ref(self):
        return self.resolve_serializer(ErrorSerializer, "response").ref

    def _error_statuses(self, operation):
        parameters = operation.get("parameters", [])
        takes_body = "requestBody" in operation
        authenticators = self.view.get_authenticators()
        statuses = ["503"]
        if takes_body or parameters:
            statuses.append("400")
        if authenticators or self.view.get_authenticate_header(self.view.request):
            statuses.append("401")
        if self.method in UNSAFE_METHODS and any(
            isinstance(authenticator, IdentityAuthentication) for authenticator in authenticators
        ):
            statuses.append("403")
        paginated = self.method == "GET" and getattr(self.view, "paginator", None) is not None
        if paginated or any(parameter["in"] == "path" for parameter in parameters):
            statuses.append("404")
        if takes_body:
            statuses += ["413", "415"]
        if self.method in UNSAFE_METHODS or self.view.get_throttles():
            statuses.append("429")
        return sorted(statuses)
