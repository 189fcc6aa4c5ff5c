"""The report's PNG plots (matplotlib, no display)."""

from collections import defaultdict

COLOURS = {
    "stateless": "#2a7ab0",
    "legacy-db": "#c0504d",
    "legacy-cache": "#e3a33b",
    "floor": "#7f7f7f",
}
PARTS = ("app", "redis", "postgres")
PART_COLOURS = {"app": "#2a7ab0", "redis": "#d9534f", "postgres": "#5cb85c"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_all(results, folder):
    """Write every plot into ``folder``; returns {name: file name}."""
    folder.mkdir(parents=True, exist_ok=True)
    plt = _pyplot()
    written = {}
    for name, draw in (
        ("throughput", _throughput),
        ("cpu", _cpu),
        ("memory", _memory),
        ("scaling", _scaling),
    ):
        figure = draw(plt, results)
        if figure is not None:
            figure.savefig(folder / f"{name}.png", dpi=100)
            plt.close(figure)
            written[name] = f"{name}.png"
    return written


def _by_workload(results):
    rows = defaultdict(lambda: defaultdict(list))
    for row in results["throughput"]:
        rows[row["workload"]][row["contender"]].append(row)
    return rows


def _throughput(plt, results):
    rows = _by_workload(results)
    if not rows:
        return None
    workloads = list(rows)
    contenders = [c for c in COLOURS if any(c in rows[w] for w in workloads)]
    figure, axis = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / max(1, len(contenders))
    for i, contender in enumerate(contenders):
        for j, workload in enumerate(workloads):
            runs = [r["rps"] for r in rows[workload].get(contender, [])]
            if not runs:
                continue
            x = j + (i - (len(contenders) - 1) / 2) * width
            axis.bar(
                x,
                sorted(runs)[len(runs) // 2],
                width,
                color=COLOURS[contender],
                label=contender if j == 0 or contender == "floor" else None,
            )
            axis.plot([x] * len(runs), runs, "k.", markersize=4)
    handles, labels = axis.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    axis.legend(unique.values(), unique.keys())
    axis.set_xticks(range(len(workloads)), workloads, rotation=15)
    axis.set_ylabel("requests per second (bar: median, dots: runs)")
    axis.set_title("Throughput per workload, same gunicorn command, same driver")
    figure.tight_layout()
    return figure


def _cpu(plt, results):
    rows = _by_workload(results)
    if not rows:
        return None
    labels, stacks = [], defaultdict(list)
    for workload, by_contender in rows.items():
        for contender in COLOURS:
            runs = by_contender.get(contender)
            if not runs:
                continue
            labels.append(f"{workload}\n{contender}")
            for part in PARTS:
                values = sorted(r["cpu_ms_per_request"].get(part, 0) for r in runs)
                stacks[part].append(values[len(values) // 2])
    figure, axis = plt.subplots(figsize=(max(8, len(labels) * 0.55), 5))
    bottom = [0.0] * len(labels)
    for part in PARTS:
        axis.bar(
            range(len(labels)), stacks[part], bottom=bottom, color=PART_COLOURS[part], label=part
        )
        bottom = [b + v for b, v in zip(bottom, stacks[part], strict=True)]
    axis.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axis.set_ylabel("server CPU ms per request (median of runs)")
    axis.set_title("Where each request's CPU goes: gunicorn, Redis, PostgreSQL")
    axis.legend()
    figure.tight_layout()
    return figure


def _memory(plt, results):
    memory = results.get("memory") or {}
    curves = {c: m["carts"] for c, m in memory.items() if m.get("carts")}
    if not curves:
        return None
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for contender, curve in curves.items():
        xs = [point[0] for point in curve]
        ys = [sum(point[1]) / len(point[1]) if point[1] else 0 for point in curve]
        axis.plot(xs, ys, "o-", color=COLOURS.get(contender), label=contender)
    floor = memory.get("floor", {}).get("warm")
    if floor:
        axis.axhline(sum(floor) / len(floor), color=COLOURS["floor"], ls="--", label="floor")
    axis.set_xlabel("guest carts created")
    axis.set_ylabel("mean worker RSS, MB")
    axis.set_title("Worker memory while carts accumulate (recycling off)")
    axis.legend()
    figure.tight_layout()
    return figure


def _scaling(plt, results):
    rows = results.get("scaling") or []
    if not rows:
        return None
    figure, axis = plt.subplots(figsize=(7, 4.2))
    by_workload = defaultdict(list)
    for row in rows:
        if (
            row.get("worker_class", "sync") == "sync"
            and row.get("recycling", True)
            and not row.get("single_worker_instances")
        ):
            by_workload[row["workload"]].append((row["workers"], row["rps"]))
    for workload, points in by_workload.items():
        points.sort()
        axis.plot([p[0] for p in points], [p[1] for p in points], "o-", label=workload)
    axis.set_xlabel("gunicorn workers (stateless)")
    axis.set_ylabel("requests per second")
    axis.set_title("Scaling with workers on this machine")
    axis.legend()
    figure.tight_layout()
    return figure
