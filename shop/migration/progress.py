"""What the migration commands show while they run and when they end, and where they resume.

``Progress`` draws a bar on a terminal and prints a plain line per batch otherwise (logs,
CI). ``Summary`` counts outcomes (moved / skipped / failed) with their reasons.
``Checkpoint`` keeps a command's position in Redis after each batch, so an interrupted
run resumes after the last batch it finished; every step is idempotent as well, so a
batch repeated after a crash changes nothing twice.
"""

import time
from collections import Counter

from django_redis import get_redis_connection

CHECKPOINT_PREFIX = "migration:checkpoint:"
CHECKPOINT_TTL = 30 * 24 * 3600  # a run abandoned for a month starts over
REDIS_ALIAS = "default"
BAR_WIDTH = 30


class Progress:
    def __init__(self, out, *, total=None, label="sessions"):
        self.out, self.total, self.label = out, total, label
        self.done, self.tty, self.drawn = 0, out.isatty(), 0.0

    def advance(self, count):
        self.done += count
        if not self.tty:
            of = f" of {self.total}" if self.total is not None else ""
            self.out.write(f"{self.done}{of} {self.label} processed")
        elif time.monotonic() - self.drawn > 0.1 or self.done == self.total:
            self.drawn = time.monotonic()
            self.out.write(f"\r{self._bar()}", ending="")
            self.out.flush()

    def finish(self):
        if self.tty and self.done:
            self.out.write(f"\r{self._bar()}")

    def _bar(self):
        if not self.total:
            return f"{self.done} {self.label}"
        share = min(self.done / self.total, 1.0)
        filled = round(share * BAR_WIDTH)
        return (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} "
            f"{self.done}/{self.total} {self.label}"
        )


class Summary:
    """Outcomes by status (``moved``, ``skipped``, ``failed``) and reason."""

    STATUSES = ("moved", "skipped", "failed")

    def __init__(self):
        self.reasons = {status: Counter() for status in self.STATUSES}
        self.details = []

    def add(self, status, reason=None, detail=None):
        self.reasons[status][reason or ""] += 1
        if detail:
            self.details.append(detail)

    def note(self, detail):
        """A line printed under the counts, counted nowhere."""
        self.details.append(detail)

    def count(self, status):
        return sum(self.reasons[status].values())

    def write(self, out, *, dry_run=False, verb="moved"):
        heading = f"would be {verb}" if dry_run else verb
        out.write(
            f"Summary{' (dry run: nothing was changed)' if dry_run else ''}: "
            f"{self.count('moved')} {heading}, {self.count('skipped')} skipped, "
            f"{self.count('failed')} failed."
        )
        for status in self.STATUSES:
            for reason, count in sorted(self.reasons[status].items(), key=lambda r: -r[1]):
                if reason:
                    out.write(f"  {status}: {reason}: {count}")
        for detail in self.details:
            out.write(f"  {detail}")


class Checkpoint:
    """A command's resume position, in Redis (alias ``default``)."""

    def __init__(self, name):
        self.key = f"{CHECKPOINT_PREFIX}{name}"

    def get(self):
        value = get_redis_connection(REDIS_ALIAS).get(self.key)
        return value.decode() if value is not None else None

    def save(self, position):
        get_redis_connection(REDIS_ALIAS).set(self.key, position, ex=CHECKPOINT_TTL)

    def clear(self):
        get_redis_connection(REDIS_ALIAS).delete(self.key)
