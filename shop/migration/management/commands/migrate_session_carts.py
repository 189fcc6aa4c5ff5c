"""``manage.py migrate_session_carts``: every live legacy session's cart into Redis.

Run it with the settings of the release it migrates into (the bridge or stateless
profile: ``CARTS`` names the Redis backend), with ``LEGACY_SESSIONS`` naming the legacy
store and its cart layout. Signed-in sessions (valid by Django's own rules: see
shop/migration/legacy/users.py) go into the user's cart, merged with what is there;
guests' into the guest cart that the bridge's exchange finds from their session cookie
(``shop.migration.carts.guest_cart_id``). A guest cart already in Redis is newer and is
left alone. Each session is imported once, so a second run moves nothing; an interrupted
run resumes after its last batch. The legacy sessions are not changed: instances still
on the legacy release keep their carts, and a rollback loses nothing.

Lines whose stored price differs from today's are listed (the cart shows today's price).
"""

from django.core.exceptions import ImproperlyConfigured

from carts.backends import cart_class
from carts.backends.session import SessionCart
from shop.migration.carts import import_session_cart
from shop.migration.legacy import open_layout
from shop.migration.legacy.layouts import InvalidCart
from shop.migration.legacy.users import session_users
from shop.migration.management.base import SessionCommand

MAX_PRICE_LINES = 50


class Command(SessionCommand):
    help = (
        "Imports the cart of every live legacy session (LEGACY_SESSIONS) into the "
        "configured cart backend: signed-in sessions into the user's cart, guests into "
        "the cart their session cookie leads to. Never overwrites newer Redis carts; "
        "idempotent and resumable; --dry-run changes nothing."
    )

    def prepare(self, store, **options):
        backend, _ = cart_class()
        if issubclass(backend, SessionCart):
            raise ImproperlyConfigured(
                "CARTS names the session cart: run this command with the settings of the "
                "release that keeps carts in Redis (e.g. DJANGO_SETTINGS_MODULE="
                "shop.settings.stateless), with LEGACY_SESSIONS naming the old store."
            )
        self.layout = open_layout()
        self.price_lines = []

    def process(self, sessions, summary, *, dry_run):
        decoded = [s for s in sessions if s.data is not None]
        for session in sessions:
            if session.data is None:
                summary.add("failed", f"undecodable session: {session.error}")
        self.layout.prepare(decoded)
        users = session_users(decoded)
        for session in decoded:
            try:
                lines = self.layout.lines(session)
            except InvalidCart as exc:
                summary.add("failed", "unreadable cart", f"session …{session.key[-4:]}: {exc}")
                continue
            outcome = import_session_cart(
                session=session, lines=lines, user=users[session.key], dry_run=dry_run
            )
            summary.add(outcome.status, outcome.reason)
            if outcome.limited:
                products = ", ".join(map(str, outcome.limited))
                summary.note(f"session …{session.key[-4:]}: limited by stock or limits: {products}")
            self.price_lines += outcome.price_changes

    def report(self, summary, *, dry_run):
        super().report(summary, dry_run=dry_run)
        if self.price_lines:
            self.stdout.write(
                f"{len(self.price_lines)} line(s) were stored with a price that has changed "
                "since; the carts show today's price:"
            )
            for pid, old, new in self.price_lines[:MAX_PRICE_LINES]:
                self.stdout.write(f"  product {pid}: {old} then, {new} now")
