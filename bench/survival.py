"""Do early carts survive later ones? A cart is made, many more carts are made, and the
first one is read back, as its shopper would find it.

A store that keeps carts (Redis, the session table) keeps them all; a per-process cache
with Django's default ``MAX_ENTRIES`` (300) culls a third of its entries whenever it is
full, so the carts of early shoppers silently disappear.
"""

import json
import urllib.request

from .web import CookieJar, api_quantities

CSRF = "s" * 32  # the double-submit token of session-cart clients (see workloads)


def _call(url, method, path, jar, headers, body=None):
    request = urllib.request.Request(url + path, data=body, method=method)  # noqa: S310
    for name, value in headers.items():
        request.add_header(name, value)
    if jar:
        request.add_header("Cookie", jar.header())
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        jar.update_from(answer.headers.get_all("Set-Cookie") or ())
        return answer.headers, json.loads(answer.read() or b"{}")


def make(urls, product_id, count, *, session_carts):
    """``count`` one-line guest carts, spread over ``urls`` as sticky shoppers would be."""
    carts = []
    for i in range(count):
        url, jar, headers = urls[i % len(urls)], CookieJar(), {"X-Cart-Token": ""}
        if session_carts:
            jar["csrftoken"] = headers["X-CSRFToken"] = CSRF
        answer_headers, _ = _call(
            url,
            "POST",
            "/api/v1/cart/items/",
            jar,
            {**headers, "Content-Type": "application/json"},
            json.dumps({"product_id": product_id, "quantity": 1}).encode(),
        )
        headers["X-Cart-Token"] = answer_headers.get("X-Cart-Token") or ""
        carts.append((url, jar, headers, product_id))
    return carts


def surviving(carts):
    """How many of ``carts`` still hold their line."""
    found = 0
    for url, jar, headers, product_id in carts:
        _, body = _call(url, "GET", "/api/v1/cart/", jar, headers)
        found += api_quantities(body).get(product_id) == 1
    return found
