"""``{% fixed_url "name" %}``: ``{% url "name" %}`` for a URL without arguments,
reversed once per process instead of on every render.

The header of every page links to the same six URLs, and ``{% url %}`` walks the
resolver for each of them on every page (about a tenth of a page's rendering). A URL
without arguments only changes with the URLconf and the script prefix, so it is kept
under those: a test that overrides ``ROOT_URLCONF`` or a deployment under a path prefix
gets its own. For names that exist once (no instance namespaces, which ``{% url %}``
picks by the request's ``current_app``); escaped like ``{% url %}``'s output.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@register.simple_tag
def fixed_url(viewname):
    return _reversed(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname)


# Bounded: the script prefix comes from the server's environ, which a client may reach.
@lru_cache(maxsize=256)
def _reversed(urlconf, script_prefix, viewname):
    """The path of ``viewname`` under the URLconf and script prefix now in effect."""
    return reverse(viewname)
