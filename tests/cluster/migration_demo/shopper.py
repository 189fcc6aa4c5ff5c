"""The scripted shopper: one browser, two tabs, the shop's own pages and JSON API.

A round of the journey: both tabs add a product at the same moment (two concurrent
request streams sharing one cookie jar, as two tabs of a browser do), then the shopper
looks whether they are still signed in (and signs in again if not, as a person would),
looks at the cart, and looks at the pictured product: its page's image and the
catalog's thumbnail of it. Everything seen is counted in a :class:`Tally`. Nothing is
retried behind the shopper's back; only an add that failed is clicked once more, as a
person would, and its failure still counts.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urljoin

import requests

from .catalog import PASSWORD, image_sources
from .tally import BEFORE, Check, Tally

TIMEOUT = 10
ERROR_SAMPLES = 5
# Clicks on "Add" before the shopper gives up on a line the shop failed to answer.
CLICKS = 2


class Shopper:
    """A shopper at ``base_url`` signing in as ``email``, who adds ``product_ids`` two
    at a time and looks at ``picture`` (a Product with an uploaded image).

    ``served_by`` is the ``X-Served-By`` of the last answer from the shop.
    """

    def __init__(self, base_url, email, product_ids, picture):
        self.base_url = base_url
        self.email = email
        self.picture = picture
        self._products = iter(product_ids)
        self.tabs = (requests.Session(), requests.Session())
        self.tabs[1].cookies = self.tabs[0].cookies  # one browser, one cookie jar
        self.tally = Tally()
        self.served_by = None
        self.phase = BEFORE
        self._in_cart = set()  # what the shopper believes is in the cart
        self._added = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tab")

    def close(self):
        self._pool.shutdown()
        for tab in self.tabs:
            tab.close()

    # --- The journey ------------------------------------------------------------------

    def sign_in(self):
        """Sign in through the login page; True once the shop says so."""
        tab = self.tabs[0]
        page = self._send(tab, "GET", "/accounts/login/")
        if page is None:
            return False
        answer = self._send(
            tab,
            "POST",
            "/accounts/login/",
            ok=(302,),
            data={
                "username": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": tab.cookies.get("csrftoken", ""),
            },
            headers={"Referer": f"{self.base_url}/accounts/login/"},
        )
        return answer is not None and answer.status_code == 302

    def shop_one_round(self, number):
        """Two adds at once from the two tabs, then look at account, cart and pictures."""
        products = [next(self._products), next(self._products)]
        both_ready = threading.Barrier(2)

        def add_from(tab, product_id):
            both_ready.wait(timeout=TIMEOUT)
            return product_id if self._add(tab, product_id) else None

        acknowledged = set(self._pool.map(add_from, self.tabs, products)) - {None}
        self._added |= acknowledged
        self._in_cart |= acknowledged

        signed_in = self._signed_in()
        if not signed_in:
            self.sign_in()
        lines = self._cart_lines()
        vanished = 0
        if lines is not None:
            vanished = len(self._in_cart - lines)
            self._in_cart = lines
        viewed, missing = self._look_at_picture()
        self.tally.checks.append(Check(number, self.phase, signed_in, vanished, viewed, missing))

    def finish(self):
        """Count the acknowledged lines still in the cart; return the tally."""
        self.tally.lines_added = len(self._added)
        self.tally.lines_kept = len(self._added & self._in_cart)
        return self.tally

    # --- One step each ------------------------------------------------------------------

    def _add(self, tab, product_id):
        """Add one of ``product_id``; True once the shop acknowledges it.

        Like the shop's script (shop.js), a failed add keeps its Idempotency-Key, so the
        shopper's second click after "Something went wrong" counts once at most. The
        failure itself is counted as an error.
        """
        key = str(uuid.uuid4())
        for _click in range(CLICKS):
            answer = self._send(
                tab,
                "POST",
                "/api/v1/cart/items/",
                json={"product_id": product_id, "quantity": 1},
                headers={"X-CSRFToken": tab.cookies.get("csrftoken", ""), "Idempotency-Key": key},
            )
            if answer is not None and answer.status_code < 500:
                return answer.status_code == 200
        return False

    def _signed_in(self):
        answer = self._send(self.tabs[0], "GET", "/api/v1/auth/me/", ok=(200, 401, 403))
        return answer is not None and answer.status_code == 200

    def _cart_lines(self):
        answer = self._send(self.tabs[0], "GET", "/api/v1/cart/")
        if answer is None or answer.status_code != 200:
            return None
        return {item["product_id"] for item in answer.json()["items"]}

    def _look_at_picture(self):
        """The product page's image, then the catalog's thumbnail: (viewed, missing)."""
        tab, name = self.tabs[0], self.picture.name
        sources = []
        for path in (
            f"/products/{self.picture.slug}/",
            f"/?{urlencode({'search': name})}",
        ):
            page = self._send(tab, "GET", path)
            if page is not None and page.status_code == 200:
                sources.extend(image_sources(page.text, name)[:1])
        viewed = missing = 0
        for source in sources:
            answer = self._send(tab, "GET", urljoin(f"{self.base_url}/", source), ok=(200, 404))
            if answer is not None:
                viewed += 1
                missing += answer.status_code == 404
        return viewed, missing

    def _send(self, tab, method, path, ok=(200,), **options):
        """One request, counted; None when no answer came (counted as an error)."""
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        try:
            answer = tab.request(method, url, timeout=TIMEOUT, allow_redirects=False, **options)
        except requests.RequestException as exc:
            self._count(f"{method} {path}: {type(exc).__name__}")
            return None
        self._count(None if answer.status_code in ok else f"{method} {path}: {answer.status_code}")
        if "X-Served-By" in answer.headers:
            self.served_by = answer.headers["X-Served-By"]
        return answer

    def _count(self, error):
        with self._lock:
            self.tally.requests += 1
            if error is not None:
                self.tally.errors += 1
                if len(self.tally.error_samples) < ERROR_SAMPLES:
                    self.tally.error_samples.append(error)
