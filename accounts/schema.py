"""How drf-spectacular documents our authentication in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        # Browsers send the same access token in an HttpOnly cookie, with CSRF on writes.
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
