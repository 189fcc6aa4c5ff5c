"""``manage.py audit_sessions``: what the legacy sessions hold, before anything moves.

Reads every live session of ``LEGACY_SESSIONS`` (nothing is written) and reports which
session keys are in use and in how many sessions, stored sizes (median, p95, max), how
many sessions would not fit a 4 KB cookie if they became signed-cookie sessions, how
many are signed in, and which cannot be decoded, with the reason.
"""

import statistics

from django.contrib.auth import SESSION_KEY
from django.core import signing

from shop.migration.management.base import SessionCommand

COOKIE_LIMIT = 4096  # bytes of name and value that browsers keep for one cookie
SIGNED_COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies"


class Command(SessionCommand):
    help = (
        "Reports what the legacy sessions (LEGACY_SESSIONS) hold: keys in use and in how "
        "many sessions, sizes (median, p95, max), sessions too large for a 4 KB cookie, "
        "and undecodable sessions. Reads only."
    )
    resumable = False
    verb = "read"

    def prepare(self, store, **options):
        self.keys, self.sizes, self.too_big, self.signed_in = {}, [], 0, 0

    def process(self, sessions, summary, *, dry_run):
        for session in sessions:
            self.sizes.append(session.size)
            if session.data is None:
                summary.add("failed", f"undecodable: {session.error}")
                continue
            summary.add("moved")
            for key in session.data:
                self.keys[key] = self.keys.get(key, 0) + 1
            self.signed_in += SESSION_KEY in session.data
            if _cookie_size(session.data) > COOKIE_LIMIT:
                self.too_big += 1

    def report(self, summary, *, dry_run):
        out = self.stdout
        if self.sizes:
            ordered = sorted(self.sizes)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            out.write(
                f"Sizes as stored (bytes): median {statistics.median(ordered):.0f}, "
                f"p95 {p95}, max {ordered[-1]}."
            )
        out.write(f"Signed in: {self.signed_in}.")
        out.write(
            f"Would not fit a {COOKIE_LIMIT}-byte cookie as signed-cookie sessions: {self.too_big}."
        )
        if self.keys:
            out.write("Session keys in use (sessions holding each):")
            width = max(len(key) for key in self.keys)
            for key, count in sorted(self.keys.items(), key=lambda item: (-item[1], item[0])):
                out.write(f"  {key:<{width}}  {count}")
        super().report(summary, dry_run=dry_run)


def _cookie_size(data):
    """Bytes of ``sessionid=<value>`` if the session were a signed-cookie session; a
    session that JSON cannot hold could not become one at all (counted as too big)."""
    try:
        value = signing.dumps(data, salt=SIGNED_COOKIE_SALT, compress=True)
    except (TypeError, ValueError):
        return COOKIE_LIMIT + 1
    return len("sessionid=") + len(value)
