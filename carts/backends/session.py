"""The legacy cart: ``request.session["cart"]``, behind the same interface as Redis.

It passes the same contract tests. What it cannot give is the Redis cart's concurrency:
two requests of one session each save the whole session, and the last one wins. That,
and the sticky sessions it needs without a shared session store, is why it is the
"before" of the migration.
"""

from ..exceptions import CartLimitExceeded
from ..locators import SessionCartLocator
from .base import BaseCart, MergeReport

SESSION_KEY = "cart"


class SessionCart(BaseCart):
    locator_class = SessionCartLocator

    def __init__(self, owner, *, request=None, session=None, **options):
        super().__init__(owner, request=request, **options)
        self.session = session if session is not None else request.session

    def lines(self):
        return {int(pid): qty for pid, qty in self.session.get(SESSION_KEY, {}).items()}

    def add(self, product_id, quantity, *, limit):
        current = self.lines().get(product_id, 0)
        return self._put(product_id, current + quantity, limit)

    def set(self, product_id, quantity, *, limit):
        return self._put(product_id, quantity, limit)

    def remove(self, product_id):
        return self._put(product_id, 0, 0)

    def clear(self):
        self.session.pop(SESSION_KEY, None)

    def take(self, lines):
        remaining = self.lines()
        for pid, quantity in lines.items():
            left = remaining.get(pid, 0) - quantity
            if left > 0:
                remaining[pid] = left
            else:
                remaining.pop(pid, None)
        self._save(remaining)

    def merge_from(self, other, *, limits):
        report = MergeReport()
        if other.session is self.session:
            return report  # Django keeps the session's data at sign-in: nothing to move
        lines = self.lines()
        for pid, asked in other.lines().items():
            current = lines.get(pid, 0)
            new = min(current + asked, limits.get(pid, self.max_quantity))
            if current == 0 and len(lines) >= self.max_lines:
                new = 0
            report.asked[pid], report.added[pid] = asked, max(new - current, 0)
            if new > current:
                lines[pid] = new
        self._save(lines)
        other.clear()
        return report

    def _put(self, product_id, quantity, limit):
        lines = self.lines()
        current = lines.get(product_id, 0)
        if quantity > 0:
            if quantity > limit:
                raise CartLimitExceeded("quantity", current)
            if current == 0 and len(lines) >= self.max_lines:
                raise CartLimitExceeded("lines", current)
            lines[product_id] = quantity
        else:
            lines.pop(product_id, None)
        self._save(lines)
        return lines

    def _save(self, lines):
        # JSON-serialisable: the session serialiser turns int keys into strings anyway.
        self.session[SESSION_KEY] = {str(pid): qty for pid, qty in lines.items()}
