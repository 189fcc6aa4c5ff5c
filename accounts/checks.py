"""Fail at start-up, not at the first sign-in, when the JWT keys are unusable."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .keys import get_keyring


@register("stateless")
def check_jwt_keys(app_configs=None, **kwargs):
    try:
        get_keyring()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="See docs/operations.md, key rotation.", id="accounts.E001")]
    return []
