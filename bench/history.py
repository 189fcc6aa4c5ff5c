"""Earlier runs of ``make bench``, kept so that the report shows the hot paths' changes
before and after (issue #14.4).

A full run keeps a summary of itself in ``bench/history/`` (one small JSON file per run:
``python -m bench --label "what changed"`` names it): per request kind of the in-process
probe, CPU milliseconds, SQL queries and Redis round trips; per contender and workload,
the medians of requests per second, loops per second and server CPU per request; the
warm worker's RSS. Runs on different days ran on different machines (the same kind,
not equally loaded), so the report sets each number against the floor measured in the
same run: the bare view in-process, or the floor workload under load.
"""

import json
import statistics
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "history"
PROBE_FIELDS = ("cpu_ms", "sql", "redis_round_trips")


def summary(results, label=""):
    """What the report compares of ``results`` (a run's bench/results.json)."""
    meta = results["meta"]
    probe = {
        contender: {
            kind: {field: found[field] for field in PROBE_FIELDS}
            for kind, found in measured.get("requests", {}).items()
        }
        for contender, measured in (results.get("probe") or {}).items()
    }
    workloads = {}
    for row in results.get("throughput", []):
        workloads.setdefault(f"{row['contender']} {row['workload']}", []).append(row)
    throughput = {
        key: {
            "rps": _median(r["rps"] for r in rows),
            "loops_per_s": _median(r["loops_per_s"] for r in rows),
            "cpu_ms": _median(r["cpu_ms_per_request"]["server"] for r in rows),
        }
        for key, rows in workloads.items()
    }
    rss = {
        contender: measured.get("rss_after_warmup_mb")
        for contender, measured in (results.get("probe") or {}).items()
    }
    return {
        "commit": meta.get("commit", "unknown"),
        "date": meta["date"],
        "label": label,
        "probe": probe,
        "throughput": throughput,
        "rss_after_warmup_mb": rss,
    }


def keep(results, label="", directory=DIRECTORY):
    """Write ``results``' summary into ``directory``; returns its path."""
    found = summary(results, label)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = found["date"].replace(" UTC", "").replace(" ", "T").replace(":", "")
    path = directory / f"{stamp}-{found['commit']}.json"
    path.write_text(json.dumps(found, indent=1) + "\n")
    return path


def label_of(results, directory=DIRECTORY):
    """The label kept with ``results``' own summary, or ""."""
    meta = results["meta"]
    for run in _kept(directory):
        if run["date"] == meta["date"] and run["commit"] == meta.get("commit", "unknown"):
            return run["label"]
    return ""


def earlier(results, directory=DIRECTORY):
    """The kept summaries of runs before ``results``' own, oldest first."""
    return [run for run in _kept(directory) if run["date"] < results["meta"]["date"]]


def _kept(directory):
    if not directory.is_dir():
        return []
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
