"""``make bench``: every contender under the same gunicorn command, side by side.

    .venv/bin/python -m bench [--quick] [--runs 2] [--seconds 10] [--out docs]

Phases, each contender started fresh, driven and stopped in turn:

1. throughput: for each run, the contenders in alternating order (A B C D, D C B A, ...)
   so that the machine's drift falls on all of them; each runs all its workloads;
   the floor is also loaded by wrk, the driver's ceiling;
2. memory: worker RSS at start, after warm-up and while 0 to ``--carts`` guest carts
   are created (worker recycling off, so that a worker lives through it all);
3. probe: one process per contender loads the WSGI app and counts what each request
   does (``bench.probe``);
4. scaling: the stateless contender with 1, 2 and 4 workers;
5. gunicorn: the stateless contender on 2 workers, sync and gthread with 1, 2 and 4
   threads, and without recycling (what deploy/gunicorn.conf.py's defaults rest on).

Writes ``<out>/benchmarks.md``, plots in ``<out>/benchmarks/`` and the raw numbers in
``bench/results.json`` (or ``--results``).
"""

import argparse
import datetime
import json
import os
import platform
import re
import runpy
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3
import psycopg

from . import history, report, servers, survival
from .driver import Plan, drive
from .targets import LEGACY_CARTS

ROOT = servers.ROOT
VAR = ROOT / "var" / "bench"
PASSWORD = "bench password 42"  # loopback benchmark users only
SHOP_WORKLOADS = ["html-cart", "api-guest", "api-user", "catalog", "browse", "checkout"]


@dataclass
class Contender:
    name: str
    settings: str
    app: str
    workloads: list
    api_auth: str = "session"
    instances: int = 1  # 0: one instance per worker, one worker each (sticky targets)
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def kind(self):
        return "floor" if self.name == "floor" else "shop"


def contenders():
    return [
        Contender(
            "stateless",
            "shop.settings.stateless",
            "shop.wsgi:application",
            SHOP_WORKLOADS,
            api_auth="bearer",
            note="the default profile: JWT identity, carts in Redis",
        ),
        Contender(
            "legacy-db",
            "shop.settings.legacy",
            "shop.wsgi:application",
            SHOP_WORKLOADS,
            note="the legacy profile: database sessions, session cart, session login",
        ),
        Contender(
            "legacy-cache",
            "shop.settings.legacy",
            "shop.wsgi:application",
            [*SHOP_WORKLOADS, "html-cart-rr"],
            instances=0,
            note=(
                "the legacy profile with `LEGACY_SESSION_STORE=locmem`: sessions in each "
                "process's memory (Django's cache engine on a locmem cache, its defaults); "
                "one worker per instance, each shopper pinned to one (sticky sessions)"
            ),
            extra={"LEGACY_SESSION_STORE": "locmem"},
        ),
        Contender(
            "floor",
            "bench.floor.settings",
            "bench.floor.wsgi:application",
            ["floor"],
            note="a bare Django view returning small JSON (bench/floor)",
        ),
    ]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run in seconds")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0, help="per workload and run")
    parser.add_argument("--shoppers", type=int, default=16)
    parser.add_argument("--processes", type=int, default=2, help="driver processes")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--carts", type=int, default=100_000, help="memory phase")
    parser.add_argument("--scaling", default="1,2,4", help="worker counts to scale over")
    parser.add_argument(
        "--phases",
        default="throughput,memory,probe,scaling,gunicorn",
        help="comma-separated, in this order; gunicorn: worker classes, threads, recycling",
    )
    parser.add_argument("--only", default="", help="comma-separated contenders (default all)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument(
        "--report-only", action="store_true", help="write the report from --results, run nothing"
    )
    parser.add_argument(
        "--label", default="", help="what this run measures, kept with it in bench/history/"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.seconds, args.shoppers = 1, 1.0, 2
        args.workers, args.carts, args.scaling = 2, 100, "1,2"
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.report_only:
        report.write(json.loads(args.results.read_text()), args.out)
        print(f"wrote {args.out / 'benchmarks.md'} from {args.results}")
        return
    VAR.mkdir(parents=True, exist_ok=True)
    started = time.time()
    bench = Bench(args)
    try:
        timings = bench.results["meta"]["phase_seconds"] = {}
        for phase in ["prepare", *args.phases.split(",")]:
            phase_started = time.time()
            getattr(bench, phase)()
            timings[phase] = round(time.time() - phase_started)
            save(bench.results, args.results)  # a run cut short keeps what it measured
    finally:
        bench.close()
    bench.results["meta"]["wall_seconds"] = round(time.time() - started)
    bench.results["meta"]["load_average_end"] = os.getloadavg()
    save(bench.results, args.results)
    phases = set(args.phases.split(","))
    if not args.quick and {"throughput", "probe"} <= phases:
        print(f"kept {history.keep(bench.results, args.label)}")
    report.write(bench.results, args.out)
    print(f"wrote {args.out / 'benchmarks.md'} and {args.results}")


def save(results, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")


class Bench:
    def __init__(self, args):
        self.args = args
        chosen = set(filter(None, args.only.split(",")))
        self.contenders = [c for c in contenders() if not chosen or c.name in chosen]
        self.redis = self.monitor = None
        self.log = open(VAR / "servers.log", "w")  # noqa: SIM115 - closed in close()
        self.results = {
            "meta": {**self._meta(), "commit": commit()},
            "contenders": {c.name: c.note for c in self.contenders},
            "throughput": [],
            "wrk": [],
            "memory": {},
            "probe": {},
            "scaling": [],
        }

    def _meta(self):
        cpu = "unknown"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        a = self.args
        return {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} CPUs ({cpu}), {int(memory) // 1024} MB RAM, "
            f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "load_average_start": os.getloadavg(),
            "server": {
                "command": "gunicorn -c deploy/gunicorn.conf.py <app>",
                "workers": a.workers,
                "worker_class": a.worker_class,
                "threads": a.threads,
                "max_requests": "deploy default (throughput, scaling); 0 (memory)",
            },
            "deployed_max_requests": runpy.run_path(str(servers.GUNICORN_CONF))["max_requests"],
            "runs": a.runs,
            "seconds": a.seconds,
            "shoppers": a.shoppers,
            "driver_processes": a.processes,
            "carts": a.carts,
            "quick": a.quick,
            "redis_cpu_source": "INFO cpu",
        }

    # --- preparation ---------------------------------------------------------------------

    def prepare(self):
        self.redis, redis_port = servers.start_redis()
        self.redis_url = f"redis://127.0.0.1:{redis_port}/0"
        self.database_url = bench_database_url()
        ensure_database(self.database_url)
        self.static_root = VAR / "static"
        self.env = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CARTS_REDIS_URL": self.redis_url,
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",  # image URLs only; never called
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_STORAGE_BUCKET_NAME": "bench",
            "DJANGO_STATIC_ROOT": str(self.static_root),
            "DJANGO_LOG_LEVEL": "WARNING",
            "GUNICORN_LOG_LEVEL": "warning",
            # The shoppers sign in once per run and repeat their requests from one address.
            "JWT_ACCESS_LIFETIME": "3600",
            "LOGIN_FAILURES_PER_ADDRESS": "1000000",
            "LOGIN_FAILURES_PER_EMAIL": "1000000",
            # Order confirmations go nowhere (in production: an SMTP server elsewhere).
            "EMAIL_URL": "dummymail://",
            # Abuse limits stay on (their Redis counting is part of a request's cost) at rates
            # that thousands of shoppers from one loopback address never reach.
            **{
                f"RATE_LIMIT_{name}": f"{10**9}/minute"
                for name in ("CART_WRITES", "CHECKOUT", "REFRESH", "REGISTER")
            },
        }
        for name in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"):  # the development defaults
            os.environ.pop(name, None)
        manage = [sys.executable, "manage.py"]
        env = {**os.environ, **self.env, "DJANGO_SETTINGS_MODULE": "shop.settings.stateless"}
        users = [f"shopper-{i:03d}@bench.example" for i in range(max(self.args.shoppers, 2))]
        # One Django start for all of it: migrations, static files, the shoppers' accounts.
        script = (
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "call_command('collectstatic', interactive=False, verbosity=0)\n"
            "from django.contrib.auth import get_user_model\n"
            "from django.contrib.auth.hashers import make_password\n"
            f"U = get_user_model(); emails = {users!r}\n"
            "have = set(U.objects.filter(email__in=emails).values_list('email', flat=True))\n"
            f"hashed = make_password({PASSWORD!r})\n"
            "U.objects.bulk_create([U(email=e, password=hashed)\n"
            "                       for e in emails if e not in have])\n"
        )
        run_command([*manage, "shell", "-c", script], env)
        self.monitor = psycopg.connect(self.database_url, autocommit=True)
        marker = VAR / f"seeded-{urlsplit(self.database_url).path.lstrip('/')}"
        if (
            not marker.exists()
            or not self.monitor.execute("SELECT count(*) FROM catalog_product").fetchone()[0]
        ):
            self._seed(manage, env)
            marker.touch()
        self.replenish()
        products = self.monitor.execute(
            "SELECT id, slug, name FROM catalog_product ORDER BY id"
        ).fetchall()
        self.context = {
            "products": [{"id": i, "slug": s, "name": n} for i, s, n in products],
            "users": users,
            "password": PASSWORD,
        }

    def _seed(self, manage, env):
        moto, port = servers.start_moto()
        try:
            seed_env = {**env, "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
            boto3.client(
                "s3",
                endpoint_url=seed_env["AWS_S3_ENDPOINT_URL"],
                region_name="us-east-1",
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            ).create_bucket(Bucket=env["AWS_STORAGE_BUCKET_NAME"])
            run_command([*manage, "seed_demo"], seed_env)
        finally:
            servers.stop(moto)

    def replenish(self):
        """Stock for every checkout of the run (checkout takes it; runs put it back)."""
        self.monitor.execute("UPDATE catalog_product SET stock = 1000000")

    def close(self):
        if self.monitor is not None:
            self.monitor.close()
        servers.stop(self.redis)
        self.log.close()

    # --- servers and meters --------------------------------------------------------------

    def deployment(
        self,
        contender,
        *,
        workers=None,
        max_requests=None,
        worker_class=None,
        threads=None,
        single_worker_instances=False,
    ):
        workers = workers or self.args.workers
        options = {
            "worker_class": worker_class or self.args.worker_class,
            "threads": threads or self.args.threads,
        }
        if max_requests is not None:
            options["max_requests"] = max_requests
        env = {**self.env, "DJANGO_SETTINGS_MODULE": contender.settings, **contender.extra}
        # instances 0: sticky targets, one single-worker instance each.
        sticky = contender.instances == 0 or single_worker_instances
        shape = [1] * workers if sticky else [workers] * contender.instances
        ready = "/floor" if contender.kind == "floor" else "/healthz"
        return servers.Deployment(
            [servers.Instance(contender.app, env, {**options, "workers": n}, ready) for n in shape]
        )

    def meters(self, deployment):
        import redis

        store = redis.Redis.from_url(self.redis_url)

        def redis_cpu():
            # Redis's own account, in microseconds (a /proc tick is 10 ms, too coarse here).
            info = store.info("cpu")
            return {"redis": info["used_cpu_sys"] + info["used_cpu_user"]}

        def postgres():
            rows = self.monitor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchall()
            return {pid: servers.cpu_seconds(pid) for (pid,) in rows}

        return {
            "app": lambda: {"all": deployment.cpu_seconds()},
            "redis": redis_cpu,
            "postgres": postgres,
        }

    def context_for(self, contender):
        return {
            **self.context,
            "api_auth": contender.api_auth,
            "kind": contender.kind,
            "repeats": 30 if self.args.quick else 200,
        }

    def drive(self, contender, deployment, workload, **overrides):
        plan = Plan(
            workload=workload,
            urls=deployment.urls,
            context=self.context_for(contender),
            shoppers=self.args.shoppers,
            processes=self.args.processes,
            seconds=self.args.seconds,
            routing="round-robin" if workload.endswith("-rr") else "sticky",
        )
        plan = Plan(**{**plan.__dict__, **overrides})
        if workload == "checkout":
            self.replenish()
        result = drive(plan, self.meters(deployment))
        requests = result["requests"] or 1
        result["cpu_ms_per_request"] = {
            k: round(v * 1000 / requests, 3) for k, v in result["cpu_seconds"].items()
        }
        result["cpu_ms_per_request"]["server"] = round(
            sum(result["cpu_ms_per_request"].values()), 3
        )
        result["driver_cpu_ms_per_request"] = round(
            result["driver_cpu_seconds"] * 1000 / requests, 3
        )
        result["rps"] = round(result["requests"] / result["seconds"], 1)
        result["loops_per_s"] = round(result["loops"] / result["seconds"], 1)
        print(
            f"  {contender.name:13} {workload:13} {result['rps']:8.1f} req/s "
            f"{result['cpu_ms_per_request']['server']:6.2f} ms CPU/req "
            f"errors {sum(result['errors'].values())}",
            flush=True,
        )
        return result

    # --- phases --------------------------------------------------------------------------

    def throughput(self):
        for run in range(self.args.runs):
            order = self.contenders if run % 2 == 0 else self.contenders[::-1]
            print(f"throughput, run {run + 1} of {self.args.runs}", flush=True)
            for contender in order:
                deployment = self.deployment(contender)
                deployment.start(self.log)
                try:
                    for workload in contender.workloads:
                        result = self.drive(contender, deployment, workload)
                        self.results["throughput"].append(
                            {"run": run, "contender": contender.name, **result}
                        )
                    if contender.kind == "floor" and shutil.which("wrk"):
                        result = self.wrk(deployment)
                        self.results["wrk"].append({"run": run, **result})
                finally:
                    deployment.stop()

    def wrk(self, deployment):
        """wrk on the floor, the same request mix as the driver's floor loop: how many
        requests per second the server gives a load generator written in C."""
        script = VAR / "floor.lua"
        script.write_text(WRK_SCRIPT)
        meters = self.meters(deployment)
        before = {k: m() for k, m in meters.items()}
        out = subprocess.run(
            [
                "wrk",
                f"-t{max(1, self.args.processes)}",
                f"-c{self.args.shoppers}",
                f"-d{max(1, round(self.args.seconds))}s",
                "-s",
                str(script),
                deployment.urls[0] + "/floor",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        after = {k: m() for k, m in meters.items()}
        found = re.search(r"BENCH (\d+) (\d+) (\d+) (\S+) (\S+) (\S+)", out)
        count, errors, micros = (int(x) for x in found.groups()[:3])
        cpu = {k: sum(after[k][p] - before[k].get(p, 0.0) for p in after[k]) for k in meters}
        result = {
            "requests": count,
            "errors": errors,
            "seconds": micros / 1e6,
            "rps": round(count / (micros / 1e6), 1),
            "latency_ms": {
                f"p{q}": round(float(v) / 1000, 2)
                for q, v in zip((50, 95, 99), found.groups()[3:], strict=True)
            },
            "cpu_ms_per_request": {k: round(v * 1000 / max(1, count), 3) for k, v in cpu.items()},
        }
        result["cpu_ms_per_request"]["server"] = round(
            sum(result["cpu_ms_per_request"].values()), 3
        )
        print(f"  floor         wrk           {result['rps']:8.1f} req/s", flush=True)
        return result

    def memory(self):
        print("memory", flush=True)
        chunks = 2 if self.args.quick else 4
        for contender in self.contenders:
            deployment = self.deployment(contender, max_requests=0)
            deployment.start(self.log)
            try:
                found = {"start": deployment.settled_rss_mb()}
                warm = contender.workloads
                if self.args.quick:  # a smoke run: one of each kind of request is enough
                    warm = [w for w in warm if w in ("floor", "api-guest", "html-cart")]
                for workload in warm:
                    self.drive(
                        contender,
                        deployment,
                        workload,
                        seconds=max(0.5, self.args.seconds / 5),
                        shoppers=min(4, self.args.shoppers),
                    )
                found["warm"] = deployment.worker_rss_mb()
                if contender.kind == "shop":
                    found.update(self._carts(contender, deployment, chunks))
                self.results["memory"][contender.name] = found
            finally:
                deployment.stop()

    def _carts(self, contender, deployment, chunks):
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()
        sessions_before = self._session_rows()
        used_before = client.info("memory")["used_memory"]
        early = survival.make(
            deployment.urls,
            self.context["products"][0]["id"],
            20 if self.args.quick else 100,
            session_carts=contender.api_auth == "session",
        )
        curve = [[0, deployment.worker_rss_mb()]]
        made = 0
        total = (
            self.args.carts if contender.name == "stateless" else min(self.args.carts, LEGACY_CARTS)
        )
        for chunk in range(chunks):
            target = total * (chunk + 1) // chunks
            result = self.drive(
                contender,
                deployment,
                "new-carts",
                seconds=3600,
                max_loops=target - made,
                first_shopper=1000 * (chunk + 1),
            )
            made += result["loops"]
            curve.append([made, deployment.worker_rss_mb()])
        used_after = client.info("memory")["used_memory"]
        found = {
            "carts": curve,
            "redis_bytes_per_cart": round((used_after - used_before) / max(1, made)),
            "redis_keys": client.dbsize(),
            "early_carts": len(early),
            "early_carts_surviving": survival.surviving(early),
        }
        if contender.name == "legacy-db":
            rows, size = self.monitor.execute(
                "SELECT count(*), pg_total_relation_size('django_session') FROM django_session"
            ).fetchone()
            found["session_table"] = {
                "rows": rows,
                "new_rows": rows - sessions_before,
                "bytes": size,
                "bytes_per_row": round(size / max(1, rows)),
            }
        client.close()
        return found

    def _session_rows(self):
        return self.monitor.execute("SELECT count(*) FROM django_session").fetchone()[0]

    def probe(self):
        print("probe", flush=True)
        for contender in self.contenders:
            wsgi = contender.app.split(":")[0]
            env = {**os.environ, **self.env, **contender.extra}
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.probe",
                    contender.settings,
                    wsgi,
                    json.dumps(self.context_for(contender)),
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if out.returncode != 0:
                raise RuntimeError(f"probe of {contender.name} failed:\n{out.stderr[-3000:]}")
            self.results["probe"][contender.name] = json.loads(out.stdout)
        self.results["import_costs"] = import_costs(
            self.results["probe"], self.env, limit=3 if self.args.quick else 10
        )
        for found in self.results["probe"].values():  # counted above; counts are enough now
            for key in ("modules_after_import", "modules_after_warmup"):
                found[key] = len(found[key])

    def scaling(self):
        print("scaling", flush=True)
        stateless = next((c for c in self.contenders if c.name == "stateless"), None)
        if stateless is None:
            return
        counts = [int(n) for n in self.args.scaling.split(",")]
        shapes = [{"workers": n} for n in counts]
        if not self.args.quick:
            # Recycling off; gthread, 2 workers, 4 threads (the gunicorn phase compares threads).
            # And legacy-cache's shape (single-worker instances, shoppers pinned), which
            # tells how much of its lead is the shape rather than its session store.
            shapes += [
                {"workers": max(counts), "max_requests": 0},
                {"workers": 2, "worker_class": "gthread", "threads": 4},
                {"workers": self.args.workers, "single_worker_instances": True},
            ]
        for shape in shapes:
            deployment = self.deployment(stateless, **shape)
            deployment.start(self.log)
            server = {
                "worker_class": shape.get("worker_class", self.args.worker_class),
                "threads": shape.get("threads", self.args.threads),
                "recycling": shape.get("max_requests") != 0,
            }
            try:
                for workload in ("api-guest", "catalog"):
                    result = self.drive(stateless, deployment, workload)
                    self.results["scaling"].append({**shape, **server, **result})
            finally:
                deployment.stop()

    def gunicorn(self):
        """The deployed server settings, chosen by measurement: the stateless contender
        with 2 workers (one per core) as sync workers and as gthread workers with 1, 2
        and 4 threads, then with recycling off; api-guest and catalog each."""
        print("gunicorn", flush=True)
        stateless = next((c for c in self.contenders if c.name == "stateless"), None)
        if stateless is None:
            return
        shapes = [
            {"worker_class": "sync", "threads": 1},
            {"worker_class": "gthread", "threads": 1},
            {"worker_class": "gthread", "threads": 2},
            {"worker_class": "gthread", "threads": 4},
            {"worker_class": "gthread", "threads": 4, "max_requests": 0},
        ]
        if self.args.quick:  # a smoke run: the two ends are enough
            shapes = [shapes[0], shapes[3]]
        for run in range(self.args.runs):
            for shape in shapes if run % 2 == 0 else shapes[::-1]:
                deployment = self.deployment(stateless, workers=2, **shape)
                deployment.start(self.log)
                try:
                    for workload in ("api-guest", "catalog"):
                        result = self.drive(stateless, deployment, workload)
                        self.results.setdefault("gunicorn", []).append(
                            {"run": run, "workers": 2, "max_requests": "default", **shape, **result}
                        )
                finally:
                    deployment.stop()


WRK_SCRIPT = """
local n = 0
request = function()
  n = n + 1
  if n % 2 == 1 then
    return wrk.format("POST", "/floor", {["Content-Type"] = "application/json"},
      '{"product_id": 1, "quantity": 1}')
  end
  return wrk.format("GET", "/floor")
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %f %f %f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def commit():
    """The code measured: ``BENCH_COMMIT`` (a run from an exported tree), else git's."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def run_command(command, env):
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def bench_database_url():
    """The benchmark's own database, next to the configured (or development) one."""
    base = os.environ.get("DATABASE_URL") or "postgres://shop:shop@127.0.0.1:5432/stateless_shop"
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "stateless_shop"
    return urlunsplit(parts._replace(path=f"/{name}_bench"))


def ensure_database(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')


OUR_PACKAGES = {"shop", "carts", "accounts", "bench"}


def module_group(module):
    """The package a module is counted under: its top level, or for Django the part of
    Django (``django.contrib.admin``, ``django.db``)."""
    parts = module.split(".")
    if parts[0] == "django" and len(parts) > 1:
        return ".".join(parts[:3] if parts[1] == "contrib" and len(parts) > 2 else parts[:2])
    return parts[0]


IMPORT_COST = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor.settings"
import django
django.setup()
def rss():
    with open("/proc/self/status") as status:
        return int(next(l for l in status if l.startswith("VmRSS")).split()[1])
before, failed = rss(), 0
for name in json.load(sys.stdin):
    try:
        __import__(name)
    except Exception:  # some modules only import inside the app; counted, not fatal
        failed += 1
print(json.dumps({"kb": rss() - before, "failed": failed}))
"""


def import_costs(probes, env, limit=10):
    """What a stateless worker has imported after warm-up that the floor has not, by
    package, with the resident MB each package's modules add to a process that already
    has Django set up (the floor's settings), measured alone in a fresh interpreter."""
    shop = probes.get("stateless") or next(iter(probes.values()), None)
    floor = probes.get("floor")
    if not shop or not floor:
        return {}
    groups = {}
    floor_modules = set(floor["modules_after_warmup"])
    for module in shop["modules_after_warmup"]:
        if module not in floor_modules and not module.startswith("_"):
            groups.setdefault(module_group(module), []).append(module)
    # Our own packages import everything else; measured alone they would count it twice.
    third_party = {g: m for g, m in groups.items() if g not in OUR_PACKAGES}
    every = [m for modules in groups.values() for m in modules]
    measured = sorted(third_party.items(), key=lambda kv: -len(kv[1]))[:limit]
    costs = {}
    for group, modules in [*measured, ("all of them, ours included", every)]:
        done = subprocess.run(
            [sys.executable, "-c", IMPORT_COST],
            input=json.dumps(modules),
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        found = json.loads(done.stdout) if done.returncode == 0 else {}
        costs[group] = {
            "modules": len(modules),
            "rss_mb": round(found["kb"] / 1024, 1) if found else None,
        }
    return {"packages": costs, "extra_modules": sum(len(m) for m in groups.values())}
