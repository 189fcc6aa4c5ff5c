"""The demo's table, for the terminal and for docs/migration-demo.md.

Every number in either comes from the :class:`~.runner.Outcome` objects of a run; the
prose around them says what each set-up is and how each column is counted.
"""

import os
import platform
import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import django

from .tally import AFTER, BEFORE, DURING

PHASES = {BEFORE: "before it", DURING: "while it went on", AFTER: "after it"}
COLUMNS = [
    "set-up",
    "requests",
    "errors",
    "signed out",
    "lines vanished",
    "lines kept",
    "images missing",
    "verdict",
]


def rows(outcomes, *, titles=False):
    """One list of cells per outcome, in the order of ``COLUMNS``; the first cell is
    the set-up's key, or with ``titles`` its whole label."""
    table = []
    for outcome in outcomes:
        name = outcome.setup.label if titles else f"({outcome.setup.key})"
        if outcome.skipped:
            table.append([name, outcome.skipped] + [""] * (len(COLUMNS) - 2))
            continue
        t = outcome.tally
        table.append(
            [
                name,
                str(t.requests),
                str(t.errors),
                f"{t.sign_outs} of {len(t.checks)} checks",
                str(t.lines_vanished),
                f"{t.lines_kept} of {t.lines_added}",
                f"{t.images_missing} of {t.images_viewed}",
                verdict(outcome),
            ]
        )
    return table


def verdict(outcome):
    """ "nothing lost", or what the shopper lost, from the numbers."""
    t = outcome.tally
    lost = [
        name
        for name, count in (
            ("signed out", t.sign_outs),
            ("cart lines lost", t.lines_vanished or t.lines_added - t.lines_kept),
            ("images missing", t.images_missing),
            ("errors", t.errors),
        )
        if count
    ]
    return ", ".join(lost) if lost else "nothing lost"


def terminal_table(outcomes):
    """The table as aligned plain text, each set-up's title below it."""
    table = [COLUMNS, *rows(outcomes)]
    skipped = {f"({o.setup.key})" for o in outcomes if o.skipped}
    widths = [
        max(len(row[i]) for row in table if i < 2 or row[0] not in skipped)
        for i in range(len(COLUMNS))
    ]
    lines = []
    for row in table:
        if row[0] in skipped:
            lines.append(f"{row[0]} {row[1]}")
        else:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
            lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.extend(f"{o.setup.label}" for o in outcomes)
    return "\n".join(lines)


def skipped_lines(outcomes):
    """``(d) not run: …`` for every set-up that was not run."""
    return [f"({o.setup.key}) {o.skipped}" for o in outcomes if o.skipped]


PAGE = """\
# The migration, demonstrated

<!-- Written by `make demo-migration` (tests/cluster/migration_demo); do not edit by hand:
     every number on this page comes from the run. -->

Run on {when} on {machine}; {rounds} rounds per set-up.

One scripted shopper goes through each set-up. They sign in on the login page, then
shop in rounds: both tabs of their browser add a new line at the same moment (two
concurrent request streams sharing one cookie jar); then they check that they are
still signed in (and sign in again if not), look at the cart, and look at a product
whose image staff uploaded through the admin just before: the product page's image
and the catalog's thumbnail. Every instance is a real gunicorn process behind a real
nginx on loopback, on one PostgreSQL and one Redis; each instance has a `MEDIA_ROOT`
of its own, as separate machines would.

{table}
{skipped}
How each column is counted:

- **requests**: every HTTP request the shopper made, pictures included.
- **errors**: answers a shopper should never get: a 5xx, no answer, a refused cart
  write, a failed sign-in. An add that failed is clicked once more with the same
  Idempotency-Key, as the shop's script lets a person do; the failure still counts.
- **signed out**: checks (one per round) at which the shop no longer knew the shopper.
- **lines vanished**: lines that had been acknowledged, or seen in the cart, and were
  missing the next time the shopper looked.
- **lines kept**: acknowledged lines still in the cart at the end.
- **images missing**: picture requests answered 404.

{sections}"""


def markdown(outcomes, *, rounds, machine, when):
    """docs/migration-demo.md for ``outcomes`` of a run of ``rounds`` rounds."""
    # Numbers right-aligned; the set-up and the verdict are words.
    aligns = ["---", *["--:"] * (len(COLUMNS) - 2), "---"]
    table = [f"| {' | '.join(COLUMNS)} |", f"|{'|'.join(aligns)}|"]
    table.extend(f"| {' | '.join(row)} |" for row in rows(outcomes, titles=True))
    skipped = "".join(f"\n{line}.\n" for line in skipped_lines(outcomes))
    return PAGE.format(
        when=when,
        machine=machine,
        rounds=rounds,
        table="\n".join(table),
        skipped=skipped,
        sections="\n".join(_section(o) for o in outcomes),
    )


def _section(outcome):
    setup = outcome.setup
    lines = [f"## {setup.label}", "", f"What to look for: {setup.shows}.", ""]
    if outcome.skipped:
        return "\n".join([*lines, f"({setup.key}) {outcome.skipped}.", ""])
    t = outcome.tally
    lines.append(f"- {_fleet(outcome)}")
    lines.extend(f"- {event}" for event in outcome.events)
    if outcome.events:
        for phase, label in PHASES.items():
            checks = [c for c in t.checks if c.phase == phase]
            if checks:
                lines.append(f"- {label}: {_phase(checks)}")
    if t.error_samples:
        lines.append("- first errors: " + "; ".join(f"`{e}`" for e in t.error_samples))
    lines.append(f"- {outcome.seconds:.0f} s, from starting the instances to stopping them")
    return "\n".join([*lines, ""])


def _fleet(outcome):
    """ "3 instances on <profile> behind nginx round robin", mixed fleets counted."""
    counts = Counter(_profile(env) for env in outcome.setup.profiles(outcome.instances))
    balancing = "nginx with ip_hash" if outcome.setup.sticky else "nginx round robin"
    if len(counts) == 1:
        return f"{outcome.instances} instances on {next(iter(counts))} behind {balancing}"
    mix = ", ".join(f"{count} on {profile}" for profile, count in counts.items())
    return f"{outcome.instances} instances ({mix}) behind {balancing}, to begin with"


def _profile(env):
    store = env.get("LEGACY_SESSION_STORE")
    module = env["DJANGO_SETTINGS_MODULE"]
    return f"{module} with LEGACY_SESSION_STORE={store}" if store else module


def _phase(checks):
    signed_out = sum(not c.signed_in for c in checks)
    vanished = sum(c.lines_vanished for c in checks)
    missing = sum(c.images_missing for c in checks)
    viewed = sum(c.images_viewed for c in checks)
    return (
        f"signed out at {signed_out} of {len(checks)} checks, {vanished} lines vanished, "
        f"{missing} of {viewed} images missing"
    )


def machine():
    """This machine, for the report: host, CPU, cores, system, versions."""
    cpu = platform.processor() or platform.machine()
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    except OSError:
        found = None
    if found:
        cpu = found.group(1).strip()
    return (
        f"{platform.node()} ({cpu}, {os.cpu_count()} cores; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, Django "
        f"{django.get_version()}, {_nginx_version()})"
    )


def now():
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _nginx_version():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    try:
        answer = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=5)
    except OSError:
        return "nginx"
    return answer.stderr.strip().removeprefix("nginx version: ") or "nginx"
