"""Progress: a bar on a terminal, plain lines otherwise; the summary's counts and reasons."""

import io

from django.core.management.base import OutputWrapper

from shop.migration.progress import Progress, Summary


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_one_redrawn_bar():
    screen = Terminal()
    progress = Progress(OutputWrapper(screen), total=4)

    for _ in range(4):
        progress.advance(1)
    progress.finish()

    assert "\n" not in screen.getvalue().rstrip("\n")
    assert screen.getvalue().endswith(f"[{'#' * 30}] 100% 4/4 sessions\n")


def test_a_log_gets_plain_lines():
    log = io.StringIO()
    progress = Progress(OutputWrapper(log), total=4)

    progress.advance(2)
    progress.advance(2)
    progress.finish()

    assert log.getvalue() == "2 of 4 sessions processed\n4 of 4 sessions processed\n"


def test_the_summary_counts_outcomes_with_their_reasons():
    out = io.StringIO()
    summary = Summary()
    summary.add("moved")
    summary.add("skipped", "already migrated")
    summary.add("skipped", "already migrated")
    summary.add("failed", "undecodable")

    summary.write(OutputWrapper(out), dry_run=True)

    assert out.getvalue().splitlines() == [
        "Summary (dry run: nothing was changed): 1 would be moved, 2 skipped, 1 failed.",
        "  skipped: already migrated: 2",
        "  failed: undecodable: 1",
    ]
