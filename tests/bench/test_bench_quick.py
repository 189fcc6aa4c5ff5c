"""`make bench-quick` runs the whole benchmark machinery for seconds, so it cannot rot.

It starts every contender (stateless, legacy-db, legacy-cache, the floor) under the real
gunicorn command with a private Redis and its own database, drives each workload with
checked responses, and writes the report into a scratch folder (never docs/).
"""

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTENDERS = {"stateless", "legacy-db", "legacy-cache", "floor"}
SHOP_WORKLOADS = {"html-cart", "api-guest", "api-user", "catalog", "browse", "checkout"}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-quick")
    done = subprocess.run(
        ["make", "--no-print-directory", "bench-quick", f"BENCH_QUICK_OUT={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text())


def test_every_contender_runs_every_workload_with_every_response_checked(quick):
    _, results = quick
    ran = {(row["contender"], row["workload"]) for row in results["throughput"]}
    for contender in ("stateless", "legacy-db", "legacy-cache"):
        assert {(contender, w) for w in SHOP_WORKLOADS} <= ran
    assert ("floor", "floor") in ran
    for row in results["throughput"]:
        assert row["requests"] > 0, row
        assert set(row["latency_ms"]) == {"p50", "p95", "p99"}
        assert set(row["cpu_ms_per_request"]) == {"app", "redis", "postgres", "server"}
        assert row["cpu_ms_per_request"]["app"] > 0, row
        if row["workload"] != "html-cart-rr":
            assert row["errors"] == {}, row  # the carts hold what the shoppers added


def test_per_process_sessions_lose_carts_without_affinity(quick):
    _, results = quick
    round_robin = [r for r in results["throughput"] if r["workload"] == "html-cart-rr"]
    assert round_robin and all(sum(r["errors"].values()) > 0 for r in round_robin)


def test_memory_probe_and_scaling_are_measured(quick):
    _, results = quick
    assert set(results["memory"]) == CONTENDERS
    stateless = results["memory"]["stateless"]
    assert stateless["start"] and stateless["warm"] and stateless["carts"][-1][0] > 0
    assert results["memory"]["legacy-db"]["session_table"]["new_rows"] > 0
    for contender in ("stateless", "legacy-db"):  # stores that keep every cart
        memory = results["memory"][contender]
        assert memory["early_carts_surviving"] == memory["early_carts"] > 0
    probe = results["probe"]["stateless"]
    assert probe["requests"]["signed-in API cart"]["sql"] >= 0
    assert probe["sizes"]["access_token_bytes"] > 0
    assert probe["sizes"]["redis_cart_bytes_by_lines"]
    assert {row["workers"] for row in results["scaling"]} == {1, 2}
    assert {(row["worker_class"], row["threads"]) for row in results["gunicorn"]} == {
        ("sync", 1),
        ("gthread", 4),
    }


def test_memory_phase_makes_the_carts_it_is_asked_for(quick):
    _, results = quick
    asked = results["meta"]["carts"]
    for contender in ("stateless", "legacy-db", "legacy-cache"):
        assert results["memory"][contender]["carts"][-1][0] >= asked, contender


def test_report_has_the_targets_tables_and_plots(quick):
    out, _ = quick
    text = (out / "benchmarks.md").read_text()
    for heading in (
        "## Targets",
        "## Throughput, latency, CPU per request",
        "## legacy-cache: fast only behind sticky sessions",
        "## Memory and sizes",
        "## What one request does",
        "## Scaling",
        "## gunicorn settings",
        "## The hot paths of #14.4",
    ):
        assert heading in text
    assert "HTML cart loop ≥ 2\N{MULTIPLICATION SIGN} legacy-db's loops/s" in text
    assert "make bench-quick" in text  # says it is a smoke run
    for name in ("throughput", "cpu", "memory", "scaling"):
        image = out / "benchmarks" / f"{name}.png"
        assert image.read_bytes().startswith(PNG)
        assert f"](benchmarks/{name}.png)" in text
