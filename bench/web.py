"""What a virtual shopper needs to read pages: a cookie jar and the fields of a form.

Deliberately small and fast (the driver must stay cheaper than the server it loads):
cookies are name -> value for one loopback host, where every cookie of the shop has
path ``/``; forms are read with regular expressions over Django's own rendering.
"""

import re

FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<input\b[^>]*>", re.I)
ATTRIBUTE = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')
EXPIRED = "01 jan 1970"


class CookieJar(dict):
    """name -> value; ``update_from`` applies Set-Cookie headers (deletions included)."""

    def update_from(self, set_cookie_headers):
        for header in set_cookie_headers:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            attributes = attributes.lower()
            if "max-age=0" in attributes or EXPIRED in attributes:
                self.pop(name, None)
            else:
                self[name] = value

    def header(self):
        return "; ".join(f"{k}={v}" for k, v in self.items())


def unescape(value):
    return (
        value.replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def form_fields(html, containing):
    """The named inputs of the first form that has an input named ``containing``.

    Returns None when no such form is on the page.
    """
    for form in FORM.findall(html):
        fields = {}
        for tag in INPUT.findall(form):
            attributes = dict(ATTRIBUTE.findall(tag))
            if "name" in attributes:
                fields[attributes["name"]] = unescape(attributes.get("value", ""))
        if containing in fields:
            return fields
    return None


def cart_page_quantities(html):
    """product id -> quantity, as the cart page shows them."""
    quantities = {}
    for row in re.finditer(r'<tr data-product-id="(\d+)">(.*?)</tr>', html, re.S):
        found = re.search(r'name="quantity" value="(\d+)"', row.group(2))
        if found:
            quantities[int(row.group(1))] = int(found.group(1))
    return quantities


def api_quantities(body):
    """product id -> quantity from a cart API body (``{"items": [...]}``)."""
    return {line["product_id"]: line["quantity"] for line in body.get("items", [])}
