"""Kept runs: a full run's summary is kept, and the report sets it beside later runs,
each number against the floor of its own run."""

from bench import history, report


def _results(date, commit, *, catalog_ms, floor_ms, html, legacy_html):
    def row(contender, workload, rps, loops, cpu, run=0):
        return {
            "run": run,
            "contender": contender,
            "workload": workload,
            "rps": rps,
            "loops_per_s": loops,
            "cpu_ms_per_request": {"server": cpu},
        }

    def probe(ms, sql=0, round_trips=0):
        return {"cpu_ms": ms, "sql": sql, "redis_round_trips": round_trips, "status": 200}

    return {
        "meta": {"date": date, "commit": commit},
        "probe": {
            "stateless": {
                "requests": {"catalog page": probe(catalog_ms, sql=1)},
                "rss_after_warmup_mb": 90.0,
            },
            "floor": {"requests": {"floor GET": probe(floor_ms)}, "rss_after_warmup_mb": 45.0},
        },
        "throughput": [
            row("stateless", "html-cart", html * 3, html, 2.0),
            row("stateless", "html-cart", html * 3 + 6, html + 2, 2.2, run=1),
            row("legacy-db", "html-cart", legacy_html * 3, legacy_html, 4.0),
            row("legacy-db", "html-cart", legacy_html * 3, legacy_html, 4.0, run=1),
        ],
    }


def test_a_kept_run_is_set_beside_a_later_one_against_its_own_floor(tmp_path):
    before = _results(
        "2026-12-01 10:00 UTC", "aaaaaaa", catalog_ms=9.0, floor_ms=0.3, html=40, legacy_html=40
    )
    after = _results(
        "2026-12-02 10:00 UTC", "bbbbbbb", catalog_ms=0.5, floor_ms=0.1, html=90, legacy_html=60
    )
    path = history.keep(before, "before the page cache", directory=tmp_path)
    history.keep(after, "the page cache", directory=tmp_path)  # not one of its earlier ones

    assert path.name == "2026-12-01T1000-aaaaaaa.json"
    assert [run["commit"] for run in history.earlier(after, directory=tmp_path)] == ["aaaaaaa"]
    text = "\n".join(report.history_section(after, directory=tmp_path))
    assert "| stateless: catalog page | 9.00 (30×), 1 SQL, 0 RT | 0.50 (5×), 1 SQL, 0 RT |" in text
    # medians of the rounds: 41 against 40 loops/s, then 91 against 60
    assert "| HTML cart loop: stateless ÷ legacy-db loops/s | 1.02× | 1.52× |" in text
    assert "90.0 MB (2.00×)" in text
    assert "**2026-12-01 10:00** (`aaaaaaa`): before the page cache" in text
    assert "**2026-12-02 10:00** (`bbbbbbb`): this run: the page cache" in text


def test_without_earlier_runs_the_report_has_no_such_section(tmp_path):
    only = _results(
        "2026-12-02 10:00 UTC", "bbbbbbb", catalog_ms=0.5, floor_ms=0.1, html=90, legacy_html=60
    )
    assert report.history_section(only, directory=tmp_path) == []
