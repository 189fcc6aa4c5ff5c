"""Builders for what the browser and API clients see: CSP, DRF, the schema, logging."""


def content_security_policy(*image_origins):
    """No inline script or style anywhere: scripts, styles and fetches from our origin.

    ``image_origins`` are added to img-src (the bucket or CDN product images come from).
    """
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:", *image_origins],
            "connect-src": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
            "base-uri": ["'self'"],
            "object-src": ["'none'"],
        },
    }


def rest_framework_settings(*, num_proxies, throttle_rates):
    """``REST_FRAMEWORK``: JWT authentication, JSON only, one exception handler.

    ``num_proxies`` counts the proxies in front of the app that append to
    X-Forwarded-For (nginx: 1); throttles read client addresses through DRF's
    ``get_ident`` with it. ``throttle_rates`` maps each throttle scope to its rate (or
    None: no limit); views name their throttles, none is applied by default.
    """
    return {
        # drf-spectacular's, with the error responses every operation can give added.
        "DEFAULT_SCHEMA_CLASS": "shop.openapi.ShopAutoSchema",
        # A Bearer header, else the identity the middleware installed (cookies + CSRF).
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "accounts.authentication.JWTAuthentication",
            "accounts.authentication.IdentityAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["shop.parsers.SafeJSONParser"],
        "EXCEPTION_HANDLER": "shop.api_errors.exception_handler",
        "NUM_PROXIES": num_proxies,
        "DEFAULT_THROTTLE_RATES": throttle_rates,
    }


SPECTACULAR_SETTINGS = {
    "TITLE": "stateless-shop API",
    "DESCRIPTION": "Catalog, cart, checkout and accounts of a shop that keeps no server state.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN, so that the
    # docs page keeps the same Content-Security-Policy as every other page.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# django-permissions-policy: each feature allowed to no origin at all. The header
# is built once per process from this, not per response.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}


def logging_config(*, level):
    """``LOGGING``: one JSON line per request on stderr (``shop.requests``), plain lines
    for the rest, each with its request's id; chatty AWS libraries at WARNING."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "shop.requestlog.RequestIdFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "shop.requestlog.JSONFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["request_id"],
            },
            "requests": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "shop.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
            "botocore": {"level": "WARNING"},
            "urllib3": {"level": "WARNING"},
        },
    }
