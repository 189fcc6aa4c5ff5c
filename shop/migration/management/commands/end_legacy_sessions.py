"""``manage.py end_legacy_sessions [--all]``: the cleanup after the migration window.

Deletes the legacy sessions (``LEGACY_SESSIONS``) that the bridge has already exchanged
for JWT cookies, which it records in the session as ``EXCHANGED_KEY``; with ``--all``,
every session, undecodable ones included: the last step of the guide, once no instance
reads sessions any more. For cached_db both the row and its cached copy go, or the cache
would keep serving the session. Idempotent (an absent session is fine) and resumable.
"""

from shop.migration.legacy import EXCHANGED_KEY
from shop.migration.management.base import SessionCommand


class Command(SessionCommand):
    help = (
        "Deletes legacy sessions (LEGACY_SESSIONS) already exchanged for JWT cookies, or "
        "all of them with --all. Idempotent and resumable; --dry-run deletes nothing."
    )
    verb = "ended"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--all", action="store_true", help="End every session, exchanged or not."
        )

    def prepare(self, store, **options):
        self.store, self.everything = store, options["all"]

    def process(self, sessions, summary, *, dry_run):
        ending = []
        for session in sessions:
            if self.everything or (session.data is not None and EXCHANGED_KEY in session.data):
                ending.append(session.key)
                summary.add("moved")
            elif session.data is None:
                summary.add("skipped", "undecodable (ended by --all)")
            else:
                summary.add("skipped", "not exchanged yet")
        if ending and not dry_run:
            self.store.delete(ending)
