"""What the shopper saw, round by round, and the counts over a journey."""

from dataclasses import dataclass, field

# Where a round falls: before the fault, while it is still at work (a rolling deploy
# not yet over), or after it is done.
BEFORE, DURING, AFTER = "before", "during", "after"


@dataclass
class Check:
    """What the shopper saw at the end of one round (of ``phase``)."""

    round: int
    phase: str
    signed_in: bool
    lines_vanished: int
    images_viewed: int
    images_missing: int


@dataclass
class Tally:
    """Counts over a whole journey.

    ``errors`` are answers the shop should never give a shopper (5xx, refused
    connections, a refused cart write, a failed sign-in), with the first few described
    in ``error_samples``. A sign-out, a vanished line and a missing image are counted in
    their own fields, not as errors. ``lines_added`` counts acknowledged adds;
    ``lines_kept`` those of them in the cart at the end.
    """

    requests: int = 0
    errors: int = 0
    error_samples: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    lines_added: int = 0
    lines_kept: int = 0

    @property
    def sign_outs(self):
        return sum(not check.signed_in for check in self.checks)

    @property
    def lines_vanished(self):
        return sum(check.lines_vanished for check in self.checks)

    @property
    def images_viewed(self):
        return sum(check.images_viewed for check in self.checks)

    @property
    def images_missing(self):
        return sum(check.images_missing for check in self.checks)
