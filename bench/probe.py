"""Inside one worker-like process: what it imports, what each request costs it.

Run by the benchmark as ``python -m bench.probe SETTINGS WSGI_MODULE CONTEXT_JSON``; it
loads the WSGI application the way a gunicorn worker does and calls it directly (no
socket), so that it can count what a request does:

- the modules loaded after import and after warm-up (a worker's ``sys.modules``);
- per request kind, warm: SQL queries, Redis round trips (one per command or pipeline
  sent), and where the CPU time goes by package (cProfile);
- sizes: the access token, the whole ``Cookie`` header of a signed-in browser, and Redis
  ``MEMORY USAGE`` of carts with 1 to 50 lines.

Prints one JSON object.
"""

import cProfile
import io
import json
import os
import pstats
import random
import resource
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web import CookieJar, cart_page_quantities, form_fields  # noqa: E402 - the path first
from bench.workloads import CART_LOOPS  # noqa: E402

PROFILE_REPEATS = 60


class WsgiClient:
    """Calls a WSGI application in-process with one shopper's cookies and headers."""

    def __init__(self, app):
        self.app = app
        self.cookies = CookieJar()
        self.headers = {}
        self.last_cookie_header = ""

    def request(self, method, path, *, form=None, json_body=None, headers=None):
        from urllib.parse import urlencode

        path, _, query = path.partition("?")
        body, content_type = b"", ""
        if form is not None:
            body, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
        elif json_body is not None:
            body, content_type = json.dumps(json_body).encode(), "application/json"
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in {**self.headers, **(headers or {})}.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        self.last_cookie_header = self.cookies.header()
        if self.cookies:
            environ["HTTP_COOKIE"] = self.last_cookie_header
        answer = {}

        def start_response(status, response_headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = response_headers

        result = self.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.cookies.update_from(v for k, v in answer["headers"] if k.lower() == "set-cookie")
        answer["body"] = payload
        answer["header"] = dict((k.lower(), v) for k, v in answer["headers"])
        return answer


class Counters:
    """SQL queries and Redis round trips made while active."""

    def __init__(self):
        self.sql = 0
        self.redis = 0
        self.active = False
        from django.db import connections

        def count_sql(execute, sql, params, many, context):
            if self.active:
                self.sql += 1
            return execute(sql, params, many, context)

        self._count_sql = count_sql
        self._connections = connections
        self.database = 0
        self.commands = []
        import psycopg

        original_execute = psycopg.Cursor.execute
        counters = self

        def execute(cursor, *args, **kwargs):
            if counters.active:
                counters.database += 1
            return original_execute(cursor, *args, **kwargs)

        # Every statement sent, Django's or not (a connection health check is not Django's).
        psycopg.Cursor.execute = execute
        try:
            from redis.connection import AbstractConnection
        except ImportError:
            return
        original = AbstractConnection.send_packed_command
        send_command = AbstractConnection.send_command
        pack_commands = AbstractConnection.pack_commands

        def sent_one(connection, *args, **kwargs):
            if counters.active:
                counters.commands.append(describe(args))
            return send_command(connection, *args, **kwargs)

        def packed_many(connection, commands):
            if counters.active:
                counters.commands.append(" + ".join(describe(c) for c in commands))
            return pack_commands(connection, commands)

        AbstractConnection.send_command = sent_one
        AbstractConnection.pack_commands = packed_many

        def send_packed_command(connection, command, check_health=True):
            if counters.active:
                counters.redis += 1
            return original(connection, command, check_health)

        AbstractConnection.send_packed_command = send_packed_command

    def measure(self, call):
        from contextlib import ExitStack

        self.sql = self.redis = self.database = 0
        self.commands = []
        with ExitStack() as stack:
            for connection in self._connections.all():
                stack.enter_context(connection.execute_wrapper(self._count_sql))
            self.active = True
            try:
                answer = call()
            finally:
                self.active = False
        return answer, {
            "sql": self.sql,
            "database_statements": self.database,
            "redis_round_trips": self.redis,
            "redis_commands": self.commands,
        }


def describe(args):
    """``GET auth:deny:`` for a command: its name and its first key's prefix (no ids)."""
    parts = [a.decode() if isinstance(a, bytes) else str(a) for a in args]
    name = parts[0].upper()
    key = parts[3] if name in ("EVALSHA", "EVAL") and len(parts) > 3 else (parts[1:] or [""])[0]
    prefix = key[: key.rfind(":") + 1] if ":" in key else ("…" if key else "")
    return f"{name} {prefix}".strip()


def package_of(filename):
    """A profile entry's file as a readable package name."""
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        parts = path.split("site-packages/")[1].split("/")
        if parts[0] == "django" and len(parts) > 2:  # django.template, django.db, ...
            return f"django.{parts[1]}"
        return parts[0].removesuffix(".py")
    root = str(ROOT) + "/"
    if path.startswith(root):
        return "ours: " + path[len(root) :].split("/")[0]
    if path.startswith("<") or path == "~":
        return "builtins"
    return "python stdlib"


def profile(call, repeats=PROFILE_REPEATS):
    """Milliseconds per call, and the share of CPU time by package and function."""
    profiler = cProfile.Profile(time.process_time)  # CPU time, not waiting for replies
    started = time.process_time()
    profiler.enable()
    for _ in range(repeats):
        call()
    profiler.disable()
    per_call = (time.process_time() - started) * 1000 / repeats
    stats = pstats.Stats(profiler).stats
    by_package, by_function = Counter(), Counter()
    for (filename, line, name), (_, _, tottime, _, _) in stats.items():
        if package_of(filename) == "ours: bench":  # the probe's own WSGI client
            continue
        by_package[package_of(filename)] += tottime
        short = "/".join(filename.split("/")[-2:]) if "/" in filename else filename
        by_function[f"{short}:{line}({name})"] += tottime
    total = sum(by_package.values()) or 1
    return {
        "profiled_ms_per_request": round(per_call, 2),
        "time_share_percent": {k: round(100 * v / total, 1) for k, v in by_package.most_common(8)},
        "top_functions_percent": {
            k: round(100 * v / total, 1) for k, v in by_function.most_common(6)
        },
    }


def timed(call, repeats=200):
    """CPU milliseconds per call without the profiler."""
    started = time.process_time()
    for _ in range(repeats):
        call()
    return round((time.process_time() - started) * 1000 / repeats, 3)


def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main():
    settings_module, wsgi_module, context_json = sys.argv[1:4]
    context = json.loads(context_json)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    baseline = set(sys.modules)
    started = time.process_time()
    app = __import__(wsgi_module, fromlist=["application"]).application
    result = {
        "import_cpu_ms": round((time.process_time() - started) * 1000),
        "rss_after_import_mb": rss_mb(),
        "modules_after_import": sorted(set(sys.modules) - baseline),
    }
    counters = Counters()
    if context["kind"] == "floor":
        kinds, clients = floor_kinds(app), None
    else:
        kinds, clients = shop_kinds(app, context)
    for call in kinds.values():  # warm-up: every kind twice
        call()
        call()
    result["modules_after_warmup"] = sorted(set(sys.modules) - baseline)
    result["rss_after_warmup_mb"] = rss_mb()
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["requests"] = {}
    for name, call in kinds.items():
        answer, counts = counters.measure(call)
        headers = answer["headers"]
        shopper = getattr(call, "__self__", None)
        if isinstance(shopper, HtmlShopper):
            shopper.reset_steps()
        result["requests"][name] = {
            "status": answer["status"],
            "response_bytes": len(answer["body"]),
            "header_bytes": sum(len(k) + len(v) + 4 for k, v in headers),
            "set_cookies": sum(k.lower() == "set-cookie" for k, _ in headers),
            "etag": "etag" in answer["header"],
            "cache_control": answer["header"].get("cache-control", ""),
            "csp_bytes": len(answer["header"].get("content-security-policy", "")),
            **counts,
            "cpu_ms": timed(call, context.get("repeats", 200)),
        }
        if isinstance(shopper, HtmlShopper):  # the timed loops' steps, before profiling
            result["requests"][name]["steps_ms"] = shopper.steps_ms()
        result["requests"][name].update(profile(call, max(10, context.get("repeats", 200) // 3)))
    if context["kind"] != "floor":
        result["sizes"] = sizes(app, context, *clients)
        result["retention"] = retention(app, context)
    json.dump(result, sys.stdout)


def retention(app, context):
    """What a process keeps from requests that should leave nothing behind: new guests
    adding one line each (as the memory phase does), with RSS and tracemalloc's growth
    by line of code."""
    import gc
    import tracemalloc

    count = 200 if context.get("repeats", 200) < 100 else 2000

    def new_guest_add():
        guest = Guest(app, context)
        guest.add()

    for _ in range(50):  # warm
        new_guest_add()
    gc.collect()
    rss_before = rss_mb()
    for _ in range(count):
        new_guest_add()
    gc.collect()
    rss_after = rss_mb()
    # Then which lines hold on to memory (tracemalloc's own bookkeeping costs RSS, so it
    # runs apart from the RSS reading).
    tracemalloc.start(10)
    before = tracemalloc.take_snapshot()
    for _ in range(count // 2):
        new_guest_add()
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = after.compare_to(before, "traceback")
    top = []
    for stat in growth[:5]:
        if stat.size_diff <= 0:
            continue
        frames = [
            f"{'/'.join(f.filename.split('/')[-2:])}:{f.lineno}"
            for f in stat.traceback
            if "/bench/" not in f.filename
        ]
        top.append({"bytes": stat.size_diff, "count": stat.count_diff, "where": frames[-4:]})
    return {
        "requests": count,
        "rss_growth_mb": round(rss_after - rss_before, 2),
        "traced_requests": count // 2,
        "traced_growth_bytes": sum(s.size_diff for s in growth),
        "top": top,
    }


def floor_kinds(app):
    client = WsgiClient(app)
    return {
        "floor GET": lambda: check(client.request("GET", "/floor"), 200),
        "floor POST": lambda: check(
            client.request("POST", "/floor", json_body={"product_id": 1, "quantity": 1}), 200
        ),
    }


def check(answer, status):
    if answer["status"] != status:
        raise RuntimeError(f"{answer['status']} (expected {status}): {answer['body'][:300]!r}")
    return answer


def sign_in_page(client, context):
    page = check(client.request("GET", "/accounts/login/"), 200)
    fields = form_fields(page["body"].decode(), "password")
    fields.update(username=context["users"][0], password=context["password"])
    check(client.request("POST", "/accounts/login/", form=fields), 302)


class Guest:
    """A guest API client; ``add`` cycles over 3 products and starts a new cart every 20
    adds (as the driver's guests do), so that any number of calls stays within limits."""

    def __init__(self, app, context, idempotent=False):
        self.app, self.context, self.idempotent = app, context, idempotent
        self.calls = 0
        self.new_cart()

    def new_cart(self):
        self.client = WsgiClient(self.app)
        self.token = {"X-Cart-Token": ""}
        if self.context["api_auth"] == "session":  # session carts: double-submit CSRF
            self.client.cookies["csrftoken"] = self.client.headers["X-CSRFToken"] = "b" * 32

    def add(self):
        if self.calls and self.calls % 20 == 0:
            self.new_cart()
        product = self.context["products"][self.calls % 3]
        headers = dict(self.token)
        if self.idempotent:
            headers["Idempotency-Key"] = uuid.uuid4().hex  # a guest's key must be random
        self.calls += 1
        answer = check(
            self.client.request(
                "POST",
                "/api/v1/cart/items/",
                json_body={"product_id": product["id"], "quantity": 1},
                headers=headers,
            ),
            200,
        )
        self.token["X-Cart-Token"] = (
            answer["header"].get("x-cart-token") or self.token["X-Cart-Token"]
        )
        return answer

    def read(self):
        return check(self.client.request("GET", "/api/v1/cart/", headers=self.token), 200)


class HtmlShopper:
    """A guest in a browser doing the html-cart workload's loop in-process, as the
    driver's shoppers do: product page, the add form (302), the cart page, a random
    product each time and a new visitor every ``CART_LOOPS`` loops (carts of up to 20
    lines, about 10 on average); the cart page is checked against what was added."""

    STEPS = ("product page", "add form (302)", "cart page")

    def __init__(self, app, context):
        self.app, self.products = app, context["products"]
        self.random = random.Random(14)
        self.loops = 0
        self.reset_steps()

    def reset_steps(self):
        """Start counting each step's CPU time and the cart page's lines afresh."""
        self.spent, self.counted, self.lines = dict.fromkeys(self.STEPS, 0.0), 0, 0

    def steps_ms(self):
        """CPU ms of each step, and the cart page's lines, per loop since ``reset_steps``."""
        loops = max(1, self.counted)
        found = {step: round(spent * 1000 / loops, 3) for step, spent in self.spent.items()}
        return {**found, "cart lines": round(self.lines / loops, 1)}

    def _timed(self, step, request):
        started = time.process_time()
        answer = request()
        self.spent[step] += time.process_time() - started
        return answer

    def warm(self):
        """Every product's page and cart line rendered once (per-process copies)."""
        for product in self.products:
            self.loop(product)
        self.loops = 0

    def loop(self, product=None):
        if self.loops % CART_LOOPS == 0:
            self.client, self.cart = WsgiClient(self.app), Counter()
        product = product or self.products[self.random.randrange(len(self.products))]
        self.loops += 1
        request = self.client.request
        page = self._timed("product page", lambda: request("GET", f"/products/{product['slug']}/"))
        fields = {**form_fields(check(page, 200)["body"].decode(), "product_id"), "quantity": "1"}
        added = self._timed("add form (302)", lambda: request("POST", "/cart/add/", form=fields))
        check(added, 302)
        self.cart[product["id"]] += 1
        cart = check(self._timed("cart page", lambda: request("GET", "/cart/")), 200)
        if cart_page_quantities(cart["body"].decode()) != dict(self.cart):
            raise RuntimeError("the cart page does not show what was added")
        self.counted += 1
        self.lines += len(self.cart)
        return cart


def shop_kinds(app, context):
    product = context["products"][0]
    item = {"product_id": product["id"], "quantity": 1}
    writer, idempotent, reader = (
        Guest(app, context),
        Guest(app, context, idempotent=True),
        Guest(app, context),
    )
    reader.add()
    api_user = WsgiClient(app)
    if context["api_auth"] == "bearer":
        tokens = check(
            api_user.request(
                "POST",
                "/api/v1/auth/token/",
                json_body={"email": context["users"][1], "password": context["password"]},
            ),
            200,
        )
        api_user.headers["Authorization"] = "Bearer " + json.loads(tokens["body"])["access"]
    else:
        sign_in_page(api_user, {**context, "users": context["users"][1:]})
        api_user.headers["X-CSRFToken"] = api_user.cookies["csrftoken"]
    check(api_user.request("POST", "/api/v1/cart/items/", json_body=item), 200)
    browser = WsgiClient(app)
    sign_in_page(browser, context)
    page = check(browser.request("GET", f"/products/{product['slug']}/"), 200)
    add_form = form_fields(page["body"].decode(), "product_id")
    check(browser.request("POST", "/cart/add/", form={**add_form, "quantity": "1"}), 302)
    anonymous = WsgiClient(app)
    html_shopper = HtmlShopper(app, context)
    html_shopper.warm()
    return {
        "healthz": lambda: check(anonymous.request("GET", "/healthz"), 200),
        "catalog page": lambda: check(anonymous.request("GET", "/"), 200),
        "product page": lambda: check(
            anonymous.request("GET", f"/products/{product['slug']}/"), 200
        ),
        "guest API add": writer.add,
        "guest API cart": reader.read,
        "guest API add, Idempotency-Key": idempotent.add,
        "signed-in API cart": lambda: check(api_user.request("GET", "/api/v1/cart/"), 200),
        "signed-in cart page": lambda: check(browser.request("GET", "/cart/"), 200),
        "guest HTML cart loop (3 requests)": html_shopper.loop,
    }, (browser, api_user)


def sizes(app, context, browser, api_user):
    """Token and cookie sizes of a signed-in browser with a cart; Redis bytes per line."""
    from django.conf import settings

    check(browser.request("GET", "/cart/"), 200)
    bearer = api_user.headers.get("Authorization", "").removeprefix("Bearer ")
    found = {
        "cookie_header_bytes_signed_in_browser": len(browser.last_cookie_header),
        "cookies_signed_in_browser": {k: len(v) for k, v in browser.cookies.items()},
        "access_token_bytes": len(bearer)
        or len(browser.cookies.get(getattr(settings, "AUTH_ACCESS_COOKIE", ""), "")),
    }
    if bearer:
        found["access_token_parts"] = token_parts(bearer)
    if settings.CARTS["BACKEND"].endswith("RedisCart"):
        found.update(redis_sizes(app, context))
    return found


def token_parts(token):
    """The JWT's header and claims with the bytes each takes (names, not values)."""
    import base64

    def decode(part):
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header, payload, signature = token.split(".")
    return {
        "header": {k: len(json.dumps(v)) for k, v in decode(header).items()},
        "claims": {k: len(json.dumps(v)) for k, v in decode(payload).items()},
        "segment_bytes": [len(header), len(payload), len(signature)],
    }


def redis_sizes(app, context):
    """``MEMORY USAGE`` of guest carts with 1, 10 and as many lines as products exist, and
    of the idempotency records a page add leaves behind."""
    from django_redis import get_redis_connection

    from carts import tokens

    redis = get_redis_connection(settings_alias())
    carts = {}
    for lines in sorted({1, 10, min(50, len(context["products"]))}):
        client = WsgiClient(app)
        header = {"X-Cart-Token": ""}
        for product in context["products"][:lines]:
            answer = check(
                client.request(
                    "POST",
                    "/api/v1/cart/items/",
                    json_body={"product_id": product["id"], "quantity": 1},
                    headers=header,
                ),
                200,
            )
            header["X-Cart-Token"] = answer["header"].get("x-cart-token") or header["X-Cart-Token"]
        cart_id = tokens.read(header["X-Cart-Token"])
        keys = [k for k in redis.scan_iter(match=f"*{cart_id}*", count=1000)]
        carts[lines] = sum(redis.memory_usage(k, samples=0) or 0 for k in keys)
    smallest, largest = min(carts), max(carts)
    idempotency = [
        redis.memory_usage(k, samples=0) or 0
        for k in list(redis.scan_iter(match="*idempotency:*", count=1000))[:50]
    ]
    return {
        "redis_cart_bytes_by_lines": carts,
        "redis_bytes_per_cart_line": round(carts[largest] / largest, 1),
        "redis_marginal_bytes_per_line": round(
            (carts[largest] - carts[smallest]) / max(1, largest - smallest), 1
        ),
        "redis_idempotency_record_bytes": round(sum(idempotency) / len(idempotency))
        if idempotency
        else None,
    }


def settings_alias():
    from django.conf import settings

    return settings.CARTS["OPTIONS"].get("ALIAS", "carts")


if __name__ == "__main__":
    main()
