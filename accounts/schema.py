"""How drf-spectacular documents our authentication in the OpenAPI schema."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class IdentityCookieScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.IdentityAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        # The browser's signed-in cookies (the access token; Django's session in the
        # legacy profile); cookie-authenticated writes need the X-CSRFToken header.
        return {"type": "apiKey", "in": "cookie", "name": settings.AUTH_ACCESS_COOKIE}
