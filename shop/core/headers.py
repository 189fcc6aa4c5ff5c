"""The Content-Security-Policy header, built once per process instead of per response.

django-csp 4.0's ``CSPMiddleware`` builds the header from ``CONTENT_SECURITY_POLICY`` on
every response (``csp.utils.build_policy`` over ``dataclasses.asdict`` of its parts),
although in this shop it is the same string every time: no view sets a policy of its
own and no template asks for a nonce. ``ContentSecurityPolicyMiddleware`` asks
django-csp for the header once (so the value is django-csp's own, byte for byte) and
sets that string; a response that carries a policy of its own (``csp_update``,
``csp_replace``, ``csp_exempt`` and friends) or a request whose nonce was used is left
to django-csp, exactly as before. The value is built again when a test overrides the
policy (``setting_changed``).

django-permissions-policy needs no such help: it builds its header once per process
and again on ``setting_changed`` by itself.
"""

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What django-csp's decorators leave on a response: a policy for that response only.
PER_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# The answers django-csp leaves without a policy while DEBUG is on (its debug pages).
DEBUG_EXEMPT_STATUSES = (404, 500)


@cache
def policies():
    """``((header, value, excluded path prefixes), …)`` for the enforced and the
    report-only policy that are configured (value never empty)."""
    found = []
    for header, setting, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        value = build_policy(report_only=report_only)
        if value:
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
            found.append((header, value, tuple(prefixes or ())))
    return tuple(found)


@receiver(setting_changed)
def _policy_changed(*, setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        policies.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the configured header computed once.

    Sets the same headers on the same responses as ``CSPMiddleware``: not over a header
    the view set itself, not on an exempted response or an excluded path, not on
    DEBUG's 404 and 500 pages. ``request.csp_nonce`` works as in django-csp.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in PER_RESPONSE_POLICY
        ):
            return super().process_response(request, response)  # built for this one
        if response.status_code in DEBUG_EXEMPT_STATUSES and settings.DEBUG:
            return response
        for header, value, prefixes in policies():
            exempt = "_csp_exempt_ro" if header == HEADER_REPORT_ONLY else "_csp_exempt"
            if (
                header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        # As django-csp: a nonce asked for once the header is written would not be in it.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
