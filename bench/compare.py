"""Stateless vs legacy, side by side in one run, on the same machine and database.

Starts one S3 endpoint, then two clusters of the same shape (gunicorn instances behind
nginx): one on the stateless profile, one on the legacy profile. wrk loads each scenario
on each cluster in turn, several rounds interleaved (A B A B ...), so that the machine's
noise falls on both; the report is the median of each side and their ratio.

    .venv/bin/python bench/compare.py [--seconds 5] [--rounds 3]   (or: make bench)

Writes bench/results.json, docs/benchmarks.md and docs/benchmarks.png.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy" / "dev"))
import localcluster

ROOT = localcluster.BASE_DIR
DATABASE = "stateless_shop_bench"
PASSWORD = "bench password 42"
EMAIL = "bench@example.com"
SCENARIOS = {
    "healthz": "framework floor: /healthz, no database, no Redis",
    "catalog": "catalog page, anonymous",
    "product": "product page, anonymous",
    "signed-in cart page": "cart page of a signed-in shopper (identity + cart read)",
    "cart write": "PUT a cart line (Redis hash vs session row)",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    s3_port = localcluster.free_port()
    moto = localcluster.start_s3(s3_port)
    clusters = []
    try:
        env = _environment(s3_port, static_root)
        _prepare_database(env)
        for profile in ("stateless", "legacy"):
            ports = [localcluster.free_port() for _ in range(args.instances)]
            cluster = localcluster.Cluster.start(
                localcluster.free_port(),
                ports,
                {**env, "DJANGO_SETTINGS_MODULE": f"shop.settings.{profile}"},
                workers=args.workers,
            )
            cluster.profile = profile
            clusters.append(cluster)
        requests_by_profile = {c.profile: _requests(c) for c in clusters}
        samples = {(s, c.profile): [] for s in SCENARIOS for c in clusters}
        for round_number in range(args.rounds):
            for scenario in SCENARIOS:
                order = clusters if round_number % 2 == 0 else clusters[::-1]
                for cluster in order:
                    request = requests_by_profile[cluster.profile][scenario]
                    samples[scenario, cluster.profile].append(
                        _wrk(cluster.url, request, args.seconds, args.connections)
                    )
                    print(".", end="", flush=True)
        print()
        memory = {c.profile: _rss_mb(c) for c in clusters}
        results = _summarise(samples, memory, args)
    finally:
        for cluster in clusters:
            cluster.stop()
        localcluster.stop(moto)
        shutil.rmtree(static_root, ignore_errors=True)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    _report(results)


def _environment(s3_port, static_root):
    return {
        "DATABASE_URL": f"postgres://shop:shop@127.0.0.1:5432/{DATABASE}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_STORAGE_BUCKET_NAME": "stateless-shop-bench",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_ADMIN_PASSWORD": PASSWORD,
        # The load repeats one shopper's requests: no throttling, no expiry mid-run.
        "LOGIN_FAILURES_PER_ADDRESS": "100000",
        "JWT_ACCESS_LIFETIME": "3600",
        "GUNICORN_LOG_LEVEL": "warning",
    }


def _prepare_database(env):
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            db.execute(f'CREATE DATABASE "{DATABASE}" OWNER shop')
    subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], check=True, capture_output=True)
    manage = [sys.executable, "manage.py"]
    full_env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "shop.settings.stateless"}
    localcluster.ensure_bucket(
        {
            "endpoint_url": env["AWS_S3_ENDPOINT_URL"],
            "region_name": "us-east-1",
            "access_key": env["AWS_ACCESS_KEY_ID"],
            "secret_key": env["AWS_SECRET_ACCESS_KEY"],
            "bucket_name": env["AWS_STORAGE_BUCKET_NAME"],
        }
    )
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run(manage + command, cwd=ROOT, env=full_env, check=True, capture_output=True)
    create = (
        "from django.contrib.auth import get_user_model as g; U = g(); "
        f"U.objects.filter(email='{EMAIL}').exists() or "
        f"U.objects.create_user('{EMAIL}', '{PASSWORD}')"
    )
    subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=full_env, check=True)


def _requests(cluster):
    """The HTTP request of each scenario on this cluster (path, method, headers, body)."""
    browser = requests.Session()
    browser.get(f"{cluster.url}/accounts/login/", timeout=30)
    signed_in = browser.post(
        f"{cluster.url}/accounts/login/",
        data={
            "username": EMAIL,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": f"{cluster.url}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302, signed_in.text[:300]
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    product = browser.get(f"{cluster.url}/api/v1/products/?page_size=1", timeout=30).json()
    product_id, slug = product["results"][0]["id"], product["results"][0]["slug"]
    write_headers = {
        "Cookie": cookie,
        "X-CSRFToken": browser.cookies["csrftoken"],
        "Content-Type": "application/json",
    }
    put = browser.put(
        f"{cluster.url}/api/v1/cart/items/{product_id}/",
        json={"quantity": 1},
        headers=write_headers,
        timeout=30,
    )
    assert put.status_code == 200, put.text[:300]
    return {
        "healthz": ("GET", "/healthz", {}, None),
        "catalog": ("GET", "/", {}, None),
        "product": ("GET", f"/products/{slug}/", {}, None),
        "signed-in cart page": ("GET", "/cart/", {"Cookie": cookie}, None),
        "cart write": (
            "PUT",
            f"/api/v1/cart/items/{product_id}/",
            write_headers,
            json.dumps({"quantity": 1}),
        ),
    }


def _wrk(base, request, seconds, connections):
    method, path, headers, body = request
    script = "\n".join(
        [f'wrk.method = "{method}"']
        + [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
        + ([f"wrk.body = {json.dumps(body)}"] if body else [])
        + [
            "done = function(summary, latency, requests)",
            '  io.write(string.format("BENCH %d %d %d %f %f\\n", summary.requests,',
            "    summary.errors.status + summary.errors.connect + summary.errors.read"
            " + summary.errors.write + summary.errors.timeout,",
            "    summary.duration, latency:percentile(50), latency:percentile(99)))",
            "end",
        ]
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", lua.name, base + path],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(lua.name)
    count, errors, micros, p50, p99 = re.search(
        r"BENCH (\S+) (\S+) (\S+) (\S+) (\S+)", out
    ).groups()
    if int(errors):
        raise RuntimeError(f"{errors} errors on {method} {path}:\n{out}")
    return {
        "rps": int(count) / (int(micros) / 1e6),
        "p50_ms": float(p50) / 1000,
        "p99_ms": float(p99) / 1000,
    }


def _rss_mb(cluster):
    """Resident memory of every gunicorn process of the cluster, in MB."""
    total = 0
    for master in cluster.instances:
        pids = [master.pid] + [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(master.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return round(total / 1024, 1)


def _summarise(samples, memory, args):
    rows = []
    for scenario, description in SCENARIOS.items():
        a = samples[scenario, "stateless"]
        b = samples[scenario, "legacy"]
        stateless = statistics.median(s["rps"] for s in a)
        legacy = statistics.median(s["rps"] for s in b)
        rows.append(
            {
                "scenario": scenario,
                "description": description,
                "stateless_rps": round(stateless),
                "legacy_rps": round(legacy),
                "ratio": round(stateless / legacy, 2),
                "stateless_p99_ms": round(statistics.median(s["p99_ms"] for s in a), 1),
                "legacy_p99_ms": round(statistics.median(s["p99_ms"] for s in b), 1),
            }
        )
    return {"settings": vars(args), "cpus": os.cpu_count(), "rows": rows, "memory_mb": memory}


def _report(results):
    lines = [
        "| scenario | stateless req/s | legacy req/s | ratio | p99 ms (stateless / legacy) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in results["rows"]:
        lines.append(
            f"| {row['scenario']} | {row['stateless_rps']} | {row['legacy_rps']} | "
            f"{row['ratio']:.2f} | {row['stateless_p99_ms']} / {row['legacy_p99_ms']} |"
        )
    table = "\n".join(lines)
    print(table)
    print(f"memory (RSS of all gunicorn processes): {results['memory_mb']}")
    _plot(results)
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text() if doc.exists() else ""
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    block = (
        f"{start}\n{table}\n\nResident memory of all gunicorn processes after the run: "
        f"stateless {results['memory_mb']['stateless']} MB, legacy "
        f"{results['memory_mb']['legacy']} MB.\n\nSettings: {results['settings']}, "
        f"{results['cpus']} CPUs.\n{end}"
    )
    if start in text:
        text = re.sub(f"{start}.*{end}", lambda _: block, text, flags=re.S)
        doc.write_text(text)


def _plot(results):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no plot")
        return
    rows = results["rows"]
    names = [r["scenario"] for r in rows]
    x = range(len(rows))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar([i - 0.2 for i in x], [r["stateless_rps"] for r in rows], 0.4, label="stateless")
    ax.bar([i + 0.2 for i in x], [r["legacy_rps"] for r in rows], 0.4, label="legacy")
    for i, r in enumerate(rows):
        ax.annotate(
            f"x{r['ratio']:.2f}",
            (i, max(r["stateless_rps"], r["legacy_rps"])),
            ha="center",
            va="bottom",
        )
    ax.set_xticks(list(x), names, rotation=15)
    ax.set_ylabel("requests per second (median)")
    ax.set_title("stateless vs legacy profile, same machine, same run")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ROOT / "docs" / "benchmarks.png", dpi=110)


if __name__ == "__main__":
    main()
