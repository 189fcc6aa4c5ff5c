"""``fixed_url(name, *args)``: ``reverse(name, args=args)``, each URL reversed once per
process instead of on every render; the ``{% fixed_url %}`` tag
(``shop/templatetags/shop_urls.py``) is the same in templates.

The header of every page links to the same six URLs (through the tag), and a cart page
to three per line (the product, its quantity form, its remove form: its view puts them
in the rows); ``reverse`` walks the resolver for each of them on every page (about a
tenth of a page's rendering). A URL only changes with its name and arguments, the
URLconf and the script prefix, so it is kept under those: a test that overrides
``ROOT_URLCONF`` or a deployment under a path prefix gets its own. For names that exist
once (no instance namespaces, which ``{% url %}`` picks by the request's
``current_app``) and positional arguments of the catalog's own (product ids and slugs,
a few thousand at most). The tag escapes its output like ``{% url %}``; from Python the
path is returned as it is.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def fixed_url(viewname, *args):
    """The path of ``viewname(*args)``, as ``{% url %}`` gives it, kept per process."""
    return _reversed(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname, args)


# Bounded: the script prefix comes from the server's environ, which a client may reach,
# and the arguments from what a page shows (a cart's products).
@lru_cache(maxsize=4096)
def _reversed(urlconf, script_prefix, viewname, args):
    """The path of ``viewname(*args)`` under the URLconf and script prefix in effect."""
    return reverse(viewname, args=args or None)
