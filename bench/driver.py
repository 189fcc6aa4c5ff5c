"""The load driver: closed-loop virtual shoppers in several processes, bounded in time.

Each shopper has its own cookie jar and CSRF token, runs one workload's loop as fast as
the server answers (closed loop: a new request only once the last one is answered), and
checks every response (status, and that the cart shows what was added). A failed check
is counted by kind and the shopper starts over (``Workload.recover``).

Shoppers are spread over ``processes`` OS processes, each a uvloop event loop, and
speak HTTP through a lean client (``bench/client.py``), so that the driver is not the
bottleneck on a small machine; the run reports its own CPU time per request so a
reader can tell. The parent waits until every
shopper is set up and warm, then opens the measuring window for all at once; only
requests answered inside the window count, and the server meters are read at its edges.
"""

import asyncio
import json
import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .client import Client, HttpError
from .web import CookieJar


class CheckFailed(Exception):
    """A response that is not what the workload expects; ``kind`` groups the errors."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


@dataclass
class Response:
    status: int
    headers: list  # [(lowercased name, value)]
    body: bytes

    def header(self, name, default=""):
        name = name.lower()
        return next((v for k, v in self.headers if k == name), default)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class Shopper:
    """One virtual shopper: its own cookies, headers and expectations."""

    def __init__(self, urls, routing, index, context, recorder):
        self.http = Client()
        self.urls = urls
        self.routing = routing  # "sticky": one instance per shopper; "round-robin"
        self.index = index
        self.context = context  # products, credentials, contender facts
        self.recorder = recorder
        self.random = random.Random(index)
        self.sent = 0
        self.reset()

    def reset(self):
        """Forget everything: a new visitor."""
        self.cookies = CookieJar()
        self.headers = {}
        self.cart = Counter()  # what the shopper expects the cart to hold
        self.loops_in_cart = 0
        self.state = {}

    @property
    def email(self):
        return self.context["users"][self.index % len(self.context["users"])]

    def product(self):
        products = self.context["products"]
        return products[self.random.randrange(len(products))]

    def base(self):
        if self.routing == "round-robin":
            url = self.urls[self.sent % len(self.urls)]
        else:
            url = self.urls[self.index % len(self.urls)]
        self.sent += 1
        return url

    async def request(self, method, path, *, form=None, json_body=None, headers=None, expect):
        send = {**self.headers, **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            send["Content-Type"] = "application/json"
        if self.cookies:
            send["Cookie"] = self.cookies.header()
        started = time.monotonic()
        answer = await self.http.request(method, self.base(), path, send, body or b"")
        self.recorder.request(started, time.monotonic(), len(send.get("Cookie", "")))
        self.cookies.update_from(answer.all("set-cookie"))
        response = Response(answer.status, answer.headers, answer.body)
        if response.status != expect:
            raise CheckFailed(f"{method} {_shape(path)}: {response.status} (expected {expect})")
        return response

    async def get(self, path, **kwargs):
        return await self.request("GET", path, expect=kwargs.pop("expect", 200), **kwargs)


def _shape(path):
    """A path with its ids and query left out, to group errors."""
    path = path.split("?")[0]
    return "/".join("<id>" if part.isdigit() else part for part in path.split("/"))


@dataclass
class Recorder:
    """Latencies and counts of the requests answered inside the window."""

    window: tuple = (0.0, 0.0)
    latencies: list = field(default_factory=list)
    loops: int = 0
    errors: Counter = field(default_factory=Counter)
    cookie_bytes: int = 0

    def inside(self, t):
        return self.window[0] <= t <= self.window[1]

    def request(self, started, ended, cookie_bytes):
        if started >= self.window[0] and ended <= self.window[1]:
            self.latencies.append((ended - started) * 1000)
            self.cookie_bytes += cookie_bytes

    def loop_done(self):
        if self.inside(time.monotonic()):
            self.loops += 1

    def error(self, kind):
        if self.inside(time.monotonic()):
            self.errors[kind] += 1


@dataclass
class Plan:
    """What one drive does: ``workload`` (a name in workloads.WORKLOADS) run by
    ``shoppers`` over ``urls`` for ``seconds``, or until ``max_loops`` loops are done."""

    workload: str
    urls: list
    context: dict
    shoppers: int = 16
    processes: int = 2
    seconds: float = 10.0
    max_loops: int | None = None
    routing: str = "sticky"
    first_shopper: int = 0


async def _shopper_main(shopper, workload, start, deadline, quota, ready):
    try:
        await workload.setup(shopper)
        await workload.loop(shopper)  # warm: first-use costs stay out of the window
    except (CheckFailed, HttpError) as exc:
        # Counted apart from the window's errors; the shopper starts over and goes on.
        shopper.recorder.errors["before the window: " + getattr(exc, "kind", str(exc))] += 1
        await _recover(workload, shopper)
    finally:
        ready.append(shopper.index)
    await start.wait()
    while time.monotonic() < deadline() and quota():
        try:
            await workload.loop(shopper)
            shopper.recorder.loop_done()
        except CheckFailed as exc:
            shopper.recorder.error(exc.kind)
            await _recover(workload, shopper)
        except HttpError as exc:
            shopper.recorder.error(f"connection: {exc}")
            await asyncio.sleep(0.05)
            await _recover(workload, shopper)


async def _recover(workload, shopper):
    try:
        await workload.recover(shopper)
    except (CheckFailed, HttpError) as exc:
        shopper.recorder.error(f"recover: {getattr(exc, 'kind', exc)}")
        await asyncio.sleep(0.05)


async def _process_main(plan, indexes, conn):
    from .workloads import WORKLOADS

    workload = WORKLOADS[plan.workload]
    recorder = Recorder(window=(float("inf"), float("inf")))
    shoppers = [Shopper(plan.urls, plan.routing, i, plan.context, recorder) for i in indexes]
    start = asyncio.Event()
    window = {"end": float("inf")}
    quota = plan.max_loops

    def deadline():
        return window["end"]

    def within_quota():
        # A loop that keeps failing must not run until the window's end (an hour).
        failures = sum(recorder.errors.values())
        return quota is None or (recorder.loops < quota and failures < max(50, quota))

    ready = []
    tasks = [
        asyncio.create_task(_shopper_main(s, workload, start, deadline, within_quota, ready))
        for s in shoppers
    ]
    while len(ready) < len(shoppers):  # set up and warm (or failed)
        await asyncio.sleep(0.01)
    conn.send("ready")
    opens, closes = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    recorder.window = (opens, closes)
    window["end"] = closes
    await asyncio.sleep(max(0.0, opens - time.monotonic()))
    cpu_start = time.process_time()
    start.set()
    await asyncio.gather(*tasks)
    cpu = time.process_time() - cpu_start
    for shopper in shoppers:
        shopper.http.close()
    conn.send(
        {
            "latencies": recorder.latencies,
            "loops": recorder.loops,
            "errors": dict(recorder.errors),
            "cookie_bytes": recorder.cookie_bytes,
            "driver_cpu": cpu,
            "ended": time.monotonic(),
        }
    )


def _process_entry(plan, indexes, conn):
    try:
        import uvloop
    except ImportError:  # the standard loop works, only slower
        asyncio.run(_process_main(plan, indexes, conn))
    else:
        uvloop.run(_process_main(plan, indexes, conn))


def drive(plan, meters):
    """Run ``plan``; ``meters`` maps a name to a function returning ``{key: CPU seconds}``
    (a pid, or one total), read at both edges of the window. Returns the measurements."""
    context = multiprocessing.get_context("fork")
    processes = max(1, min(plan.processes, plan.shoppers))
    if plan.max_loops is not None:
        per_process = -(-plan.max_loops // processes)
        plan = Plan(**{**plan.__dict__, "max_loops": per_process})
    pipes, children = [], []
    for p in range(processes):
        indexes = list(range(plan.first_shopper + p, plan.first_shopper + plan.shoppers, processes))
        parent_end, child_end = context.Pipe()
        child = context.Process(target=_process_entry, args=(plan, indexes, child_end))
        child.start()
        pipes.append(parent_end)
        children.append(child)
    try:
        for pipe in pipes:
            if pipe.recv() != "ready":
                raise RuntimeError("driver process failed to start")
        opens = time.monotonic() + 0.2
        closes = opens + plan.seconds
        for pipe in pipes:
            pipe.send((opens, closes))
        time.sleep(max(0.0, opens - time.monotonic()))
        before = {name: meter() for name, meter in meters.items()}
        driver_before = time.monotonic()
        if plan.max_loops is None:
            time.sleep(max(0.0, closes - time.monotonic()))
            results = [pipe.recv() for pipe in pipes]
            after = {name: meter() for name, meter in meters.items()}
            elapsed = plan.seconds
        else:
            results = [pipe.recv() for pipe in pipes]
            after = {name: meter() for name, meter in meters.items()}
            elapsed = max(r["ended"] for r in results) - driver_before
    finally:
        for child in children:
            child.join(30)
            if child.is_alive():
                child.kill()
    latencies = sorted(x for r in results for x in r["latencies"])
    errors = Counter()
    for r in results:
        errors.update(r["errors"])
    cpu = {name: _delta(before[name], after[name]) for name in meters}
    requests = len(latencies)
    return {
        "workload": plan.workload,
        "seconds": round(elapsed, 3),
        "shoppers": plan.shoppers,
        "processes": processes,
        "routing": plan.routing,
        "requests": requests,
        "loops": sum(r["loops"] for r in results),
        "errors": dict(errors),
        "latency_ms": _percentiles(latencies),
        "cpu_seconds": cpu,
        "driver_cpu_seconds": round(sum(r["driver_cpu"] for r in results), 3),
        "cookie_bytes_per_request": round(sum(r["cookie_bytes"] for r in results) / requests)
        if requests
        else 0,
    }


def _delta(before, after):
    """CPU seconds spent between two readings; a key new in ``after`` counts from 0, one
    gone (a database backend that closed) is not counted."""
    return round(sum(after[p] - before.get(p, 0.0) for p in after), 3)


def _percentiles(values):
    if not values:
        return {"p50": None, "p95": None, "p99": None}

    def at(q):
        return round(values[min(len(values) - 1, int(q * len(values)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}
