"""Virtual shoppers for the failover test, and the ledger of what the shop acknowledged.

Each shopper is a thread with its own connection pool, cart token and JWT pair. It does
what a careful client does: GETs are never retried (the test proves nginx hides a dead
instance from them); an unsafe request that fails in transit (no answer, 502, 503, or
409 "key in use" while a killed worker's lock runs out) is retried, with its
Idempotency-Key where it has one, and every such failure is counted. The ledger keeps
what each acknowledged write put in the cart, and every checkout key acknowledged.
"""

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy

import requests

from tests.factories import ADDRESS

TIMEOUT = 30
# Answers that mean "not done, try again": the request may or may not have run.
RETRY_STATUSES = {502, 503, 504}
RETRY_CODES = {"idempotency_key_in_use"}
MAX_ATTEMPTS = 60


@dataclass
class Ledger:
    """What the shop acknowledged, and every surprise the shoppers met."""

    gets: Counter = field(default_factory=Counter)  # status -> count
    cut_responses: Counter = field(default_factory=Counter)  # headers, then no full body
    unsafe_failures: Counter = field(default_factory=Counter)  # "POST /path: why" -> count
    unsafe_retried: int = 0  # unsafe requests that needed more than one attempt
    signed_out: list = field(default_factory=list)  # a signed-in request answered 401/403
    cart_mismatches: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # anything else unexpected
    orders: dict = field(default_factory=dict)  # checkout key -> (user id, number, lines)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, counter, key):
        with self.lock:
            counter[key] += 1


class GaveUp(Exception):
    """An unsafe request that did not succeed within MAX_ATTEMPTS."""


class Shopper(threading.Thread):
    """One shopper: as a guest, browse, add, change a quantity, sign in (the guest cart
    merges), change again, check out; then, signed in, shop and check out again until
    told to stop."""

    def __init__(self, url, user, password, products, ledger, stop):
        super().__init__(name=f"shopper-{user.pk}")
        self.url, self.user, self.password = url, user, password
        self.products, self.ledger, self.stop = products, ledger, stop
        self.session = requests.Session()
        # An API client: tokens in headers, no cookies (a cookie would make its writes
        # need a CSRF token, as a browser's do).
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.expected = {}  # product id -> quantity, from acknowledged writes
        self.bearer = None
        self.rounds = 0

    # --- requests ------------------------------------------------------------------

    def get(self, path, **headers):
        """GET once; a response cut off mid-body is counted apart and asked again.

        nginx retries a GET elsewhere until the instance has sent the response's
        headers; after that it has passed them on and cannot, so a response being
        written at the instant its worker is SIGKILLed arrives cut (a browser would
        show an error; a reload fixes it). Anything else is counted as it came.
        """
        for _ in range(3):
            try:
                response = self.session.get(self.url + path, headers=headers, timeout=TIMEOUT)
            except requests.exceptions.ChunkedEncodingError:
                self.ledger.count(self.ledger.cut_responses, f"GET {_route(path)}")
                continue
            except requests.RequestException as exc:
                self.ledger.count(self.ledger.gets, f"no answer: {type(exc).__name__}")
                return None
            self.ledger.count(self.ledger.gets, response.status_code)
            self.check_signed_in(response, "GET", path)
            return response if response.status_code == 200 else None
        self.ledger.count(self.ledger.gets, "cut three times")
        return None

    def unsafe(self, method, path, expect, **kwargs):
        """Send until the shop answers ``expect``; count every failed attempt."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                response = self.session.request(method, self.url + path, timeout=TIMEOUT, **kwargs)
            except requests.RequestException as exc:
                why = f"no answer ({type(exc).__name__})"
            else:
                self.check_signed_in(response, method, path)
                if response.status_code == expect:
                    if attempt:
                        with self.ledger.lock:
                            self.ledger.unsafe_retried += 1
                    return response
                code = _code(response)
                if response.status_code not in RETRY_STATUSES and code not in RETRY_CODES:
                    raise GaveUp(f"{method} {path}: {response.status_code} {response.text[:300]}")
                why = f"{response.status_code} {code or ''}".strip()
            self.ledger.count(self.ledger.unsafe_failures, f"{method} {_route(path)}: {why}")
            time.sleep(0.2)
        raise GaveUp(f"{method} {path}: no success in {MAX_ATTEMPTS} attempts")

    def check_signed_in(self, response, method, path):
        if self.bearer is not None and response.status_code in (401, 403):
            with self.ledger.lock:
                self.ledger.signed_out.append(f"{method} {path}: {response.status_code}")

    # --- the journey -----------------------------------------------------------------

    def run(self):
        try:
            self.guest_round()
            while not self.stop.is_set():
                self.signed_in_round()
        except GaveUp as exc:
            with self.ledger.lock:
                self.ledger.errors.append(f"{self.name}: {exc}")
        finally:
            self.session.close()

    def guest_round(self):
        first, second = self.pick(2)
        self.session.headers["X-Cart-Token"] = ""
        self.get("/api/v1/products/")
        self.get(f"/products/{first.slug}/")
        self.add(first, 1)
        self.add(second, 2)
        self.set(first, 3)
        self.check_cart()
        pair = self.unsafe(
            "POST",
            "/api/v1/auth/token/",
            200,
            json={"email": self.user.email, "password": self.password},
        ).json()
        # Signed in: the guest cart is now the user's (merged at sign-in).
        del self.session.headers["X-Cart-Token"]
        self.bearer = pair["access"]
        self.session.headers["Authorization"] = f"Bearer {self.bearer}"
        self.check_cart()
        self.set(second, 1)
        self.checkout()

    def signed_in_round(self):
        first, second = self.pick(2)
        self.get("/")
        self.get(f"/api/v1/products/{first.slug}/")
        self.add(first, 2)
        self.add(second, 1)
        self.set(first, 1)
        self.check_cart()
        self.checkout()
        self.get("/api/v1/orders/")

    def pick(self, count):
        self.rounds += 1
        start = (self.user.pk + self.rounds) % len(self.products)
        return [self.products[(start + i) % len(self.products)] for i in range(count)]

    def add(self, product, quantity):
        response = self.unsafe(
            "POST",
            "/api/v1/cart/items/",
            200,
            json={"product_id": product.pk, "quantity": quantity},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        self.expected[product.pk] = self.expected.get(product.pk, 0) + quantity
        if "X-Cart-Token" in response.headers and "X-Cart-Token" in self.session.headers:
            self.session.headers["X-Cart-Token"] = response.headers["X-Cart-Token"]

    def set(self, product, quantity):
        self.unsafe("PUT", f"/api/v1/cart/items/{product.pk}/", 200, json={"quantity": quantity})
        self.expected[product.pk] = quantity

    def check_cart(self):
        response = self.get("/api/v1/cart/")
        if response is None:
            return
        held = {line["product_id"]: line["quantity"] for line in response.json()["items"]}
        if held != self.expected:
            with self.ledger.lock:
                self.ledger.cart_mismatches.append((self.name, self.expected.copy(), held))

    def checkout(self):
        key = str(uuid.uuid4())
        order = self.unsafe(
            "POST",
            "/api/v1/checkout/",
            201,
            json={"shipping_address": ADDRESS},
            headers={"Idempotency-Key": key},
        ).json()
        with self.ledger.lock:
            self.ledger.orders[key] = (self.user.pk, order["number"], dict(self.expected))
        self.expected = {}
        self.check_cart()


def _code(response):
    try:
        return response.json().get("code")
    except ValueError:
        return None


def _route(path):
    return "/".join("<id>" if part.isdigit() else part for part in path.split("/"))
