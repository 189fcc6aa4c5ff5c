"""What the virtual shoppers do. Each workload is one closed loop plus its checks.

A loop raises ``CheckFailed`` when a response is not what a real shopper would accept:
a wrong status, or a cart that does not hold what the shopper added (a lost session).
Guests start over as new visitors every ``CART_LOOPS`` loops, so carts stay small and
new ones keep being created, as in a shop.
"""

import string

from .driver import CheckFailed
from .web import api_quantities, cart_page_quantities, form_fields

CART_LOOPS = 20
ADDRESS = {
    "ship_name": "Bench Shopper",
    "ship_line1": "1 Loopback Street",
    "ship_city": "Localhost",
    "ship_postal_code": "12345",
    "ship_country": "DE",
}


def expect(condition, kind):
    if not condition:
        raise CheckFailed(kind)


class Workload:
    name = ""
    description = ""
    requests_per_loop = 1
    signed_in = False

    async def setup(self, shopper):
        """Before the window: sign in, empty the cart, whatever the loop needs."""

    async def loop(self, shopper):
        raise NotImplementedError

    async def recover(self, shopper):
        """After a failed check: start over as the shopper would (a new visit)."""
        shopper.reset()
        await self.setup(shopper)


async def page_sign_in(shopper):
    """The sign-in form, as a browser submits it; leaves the session/JWT cookies set."""
    page = await shopper.get("/accounts/login/")
    fields = form_fields(page.text, "password")
    expect(fields is not None, "no sign-in form")
    fields.update(username=shopper.email, password=shopper.context["password"])
    await shopper.request("POST", "/accounts/login/", form=fields, expect=302)


async def page_add(shopper, product):
    """Product page, then its add-to-cart form (answered 302 to the cart)."""
    page = await shopper.get(f"/products/{product['slug']}/")
    fields = form_fields(page.text, "product_id")
    expect(fields is not None, "no add-to-cart form")
    fields["quantity"] = "1"
    added = await shopper.request("POST", "/cart/add/", form=fields, expect=302)
    expect(added.header("Location").endswith("/cart/"), "add not redirected to cart")
    shopper.cart[product["id"]] += 1


def same_origin(shopper):
    """A session-cart (legacy) API client proves it is same-origin the double-submit way:
    a CSRF cookie of its own, echoed in X-CSRFToken. The server's work is the same as
    for a token read from a page, without an extra page request in the loop."""
    secret = "".join(shopper.random.choices(string.ascii_letters + string.digits, k=32))
    shopper.cookies["csrftoken"] = secret
    shopper.headers["X-CSRFToken"] = secret


class HtmlCart(Workload):
    name = "html-cart"
    description = "guest: product page, add-to-cart form (302), cart page"
    requests_per_loop = 3

    async def loop(self, shopper):
        if shopper.loops_in_cart >= CART_LOOPS:
            shopper.reset()
        shopper.loops_in_cart += 1
        await page_add(shopper, shopper.product())
        cart = await shopper.get("/cart/")
        expect(cart_page_quantities(cart.text) == dict(shopper.cart), "cart lost or wrong")


class HtmlCartRoundRobin(HtmlCart):
    name = "html-cart-rr"
    description = "the HTML cart loop with every request on the next instance (no affinity)"


class ApiGuestCart(Workload):
    name = "api-guest"
    description = "guest API client: POST /api/v1/cart/items/, GET /api/v1/cart/ (X-Cart-Token)"
    requests_per_loop = 2

    async def loop(self, shopper):
        if shopper.loops_in_cart >= CART_LOOPS:
            shopper.reset()
        shopper.loops_in_cart += 1
        if shopper.loops_in_cart == 1 and shopper.context["api_auth"] == "session":
            same_origin(shopper)
        product = shopper.product()
        # No cookie and no token: a new API guest, which needs no CSRF token; later
        # requests name the cart in X-Cart-Token.
        token = {"X-Cart-Token": shopper.state.get("token", "")}
        added = await shopper.request(
            "POST",
            "/api/v1/cart/items/",
            json_body={"product_id": product["id"], "quantity": 1},
            headers=token,
            expect=200,
        )
        shopper.state["token"] = added.header("X-Cart-Token") or token["X-Cart-Token"]
        shopper.cart[product["id"]] += 1
        expect(api_quantities(added.json()) == dict(shopper.cart), "add answered a wrong cart")
        cart = await shopper.get("/api/v1/cart/", headers={"X-Cart-Token": shopper.state["token"]})
        expect(api_quantities(cart.json()) == dict(shopper.cart), "cart lost or wrong")


class NewCarts(Workload):
    name = "new-carts"
    description = "one new guest cart per request (memory phase)"

    async def loop(self, shopper):
        shopper.reset()
        if shopper.context["api_auth"] == "session":
            same_origin(shopper)
        product = shopper.product()
        await shopper.request(
            "POST",
            "/api/v1/cart/items/",
            json_body={"product_id": product["id"], "quantity": 1},
            headers={"X-Cart-Token": ""},
            expect=200,
        )


class ApiUserCart(Workload):
    name = "api-user"
    description = "signed-in API client: POST items, GET cart (Bearer; legacy: session + CSRF)"
    requests_per_loop = 2
    signed_in = True

    async def setup(self, shopper):
        if shopper.context["api_auth"] == "bearer":
            tokens = await shopper.request(
                "POST",
                "/api/v1/auth/token/",
                json_body={"email": shopper.email, "password": shopper.context["password"]},
                expect=200,
            )
            shopper.headers["Authorization"] = f"Bearer {tokens.json()['access']}"
            shopper.state["access_bytes"] = len(tokens.json()["access"])
        else:
            await page_sign_in(shopper)
            shopper.headers["X-CSRFToken"] = shopper.cookies["csrftoken"]
        await shopper.request("DELETE", "/api/v1/cart/", expect=204)
        shopper.cart.clear()

    async def loop(self, shopper):
        if shopper.loops_in_cart >= CART_LOOPS:
            await shopper.request("DELETE", "/api/v1/cart/", expect=204)
            shopper.cart.clear()
            shopper.loops_in_cart = 0
        shopper.loops_in_cart += 1
        product = shopper.product()
        added = await shopper.request(
            "POST",
            "/api/v1/cart/items/",
            json_body={"product_id": product["id"], "quantity": 1},
            expect=200,
        )
        shopper.cart[product["id"]] += 1
        expect(api_quantities(added.json()) == dict(shopper.cart), "add answered a wrong cart")
        cart = await shopper.get("/api/v1/cart/")
        expect(api_quantities(cart.json()) == dict(shopper.cart), "cart lost or wrong")


class Catalog(Workload):
    name = "catalog"
    description = "anonymous: the catalog page (/), the page every visitor sees first"

    async def loop(self, shopper):
        page = await shopper.get("/")
        expect('href="/products/' in page.text, "catalog without products")


class Browse(Workload):
    name = "browse"
    description = "anonymous: catalog page 1, a product page, catalog page 2"
    requests_per_loop = 3

    async def loop(self, shopper):
        first = await shopper.get("/")
        expect('href="/products/' in first.text, "catalog without products")
        product = shopper.product()
        page = await shopper.get(f"/products/{product['slug']}/")
        expect(product["name"] in page.text, "product page without its product")
        second = await shopper.get("/?page=2")
        expect('href="/products/' in second.text, "catalog page 2 without products")


class Checkout(Workload):
    name = "checkout"
    description = (
        "signed-in browser: product page, add (302), checkout page, place order (302), order"
    )
    requests_per_loop = 5
    signed_in = True

    async def setup(self, shopper):
        await page_sign_in(shopper)

    async def loop(self, shopper):
        product = shopper.product()
        await page_add(shopper, product)
        page = await shopper.get("/checkout/")
        fields = form_fields(page.text, "idempotency_key")
        expect(fields is not None, "no checkout form")
        fields.update(ADDRESS)
        placed = await shopper.request("POST", "/checkout/", form=fields, expect=302)
        location = placed.header("Location")
        expect("/orders/" in location, "order not placed")
        order = await shopper.get(location[location.index("/orders/") :])
        expect(product["name"] in order.text, "order page without the product")
        shopper.cart.clear()


class Floor(Workload):
    name = "floor"
    description = "the bare Django view: POST small JSON, GET small JSON"
    requests_per_loop = 2

    async def loop(self, shopper):
        product = shopper.product()
        posted = await shopper.request(
            "POST",
            "/floor",
            json_body={"product_id": product["id"], "quantity": 1},
            expect=200,
        )
        expect(posted.json()["items"][0]["product_id"] == product["id"], "floor echo wrong")
        got = await shopper.get("/floor")
        expect(got.json()["status"] == "ok", "floor body wrong")


WORKLOADS = {
    w.name: w
    for w in (
        HtmlCart(),
        HtmlCartRoundRobin(),
        ApiGuestCart(),
        ApiUserCart(),
        Catalog(),
        Browse(),
        Checkout(),
        Floor(),
        NewCarts(),
    )
}
