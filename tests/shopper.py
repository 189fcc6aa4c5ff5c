"""A browser-less shopper for real instances: a ``requests.Session`` through the pages.

It does what a browser without JavaScript does (GET the page with the form, POST it with
the CSRF cookie's token and a Referer) and reads its cart through the cart API, which
every profile serves the same way. Cookies belong to the host, not the port, as in a
browser: one shopper can ask two instances on 127.0.0.1 directly and carry the same
cookies to both, or go through the load balancer.
"""

import requests

from tests.factories import ADDRESS
from tests.pages import value

TIMEOUT = 10


class Shopper:
    """One browser; ``base`` is where it goes unless a call names another instance."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()
        self.served_by = []  # X-Served-By of every answer, in order

    def get(self, path, *, base=None, **kwargs):
        return self._seen(
            self.http.get(
                f"{base or self.base}{path}", allow_redirects=False, timeout=TIMEOUT, **kwargs
            )
        )

    def post_form(self, path, data, *, form_page="/accounts/login/", base=None):
        """POST ``data`` as the form on ``form_page`` would, the CSRF token included."""
        base = base or self.base
        if "csrftoken" not in self.http.cookies:
            self.get(form_page, base=base)  # the CSRF cookie, as the page gives it
        return self._seen(
            self.http.post(
                f"{base}{path}",
                data={**data, "csrfmiddlewaretoken": self.http.cookies["csrftoken"]},
                headers={"Referer": f"{base}{path}"},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
        )

    # --- What a shopper does -----------------------------------------------------------

    def sign_in(self, user, password, *, base=None):
        response = self.post_form(
            "/accounts/login/", {"username": user.email, "password": password}, base=base
        )
        assert response.status_code == 302, response.text[:500]
        return response

    def signed_in_as(self, user, *, base=None):
        """Whether the account page shows ``user`` (not a redirect to the login page)."""
        page = self.get("/accounts/", base=base)
        return page.status_code == 200 and user.email in page.text

    def add(self, product, quantity=1, *, base=None):
        response = self.post_form(
            "/cart/add/", {"product_id": product.pk, "quantity": quantity}, base=base
        )
        assert response.status_code == 302, response.text[:500]
        return response

    def set_quantity(self, product, quantity, *, base=None):
        response = self.post_form(
            f"/cart/items/{product.pk}/", {"quantity": quantity}, form_page="/cart/", base=base
        )
        assert response.status_code == 302, response.text[:500]
        return response

    def cart(self, *, base=None):
        """``{product_id: quantity}`` as the instance at ``base`` shows this shopper's cart."""
        response = self.get("/api/v1/cart/", base=base)
        assert response.status_code == 200, response.text[:500]
        return {line["product_id"]: line["quantity"] for line in response.json()["items"]}

    def checkout_form(self, *, base=None):
        """The checkout page's form, filled in (its idempotency key is the page's)."""
        page = self.get("/checkout/", base=base)
        assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
        return {
            **{f"ship_{name}": field for name, field in ADDRESS.items()},
            "idempotency_key": value(page.text, "input[name=idempotency_key]"),
        }

    def place_order(self, form, *, base=None):
        """Submit a checkout form; returns the response (a redirect to the order)."""
        return self.post_form("/checkout/", form, form_page="/cart/", base=base)

    def _seen(self, response):
        self.served_by.append(response.headers.get("X-Served-By"))
        return response
