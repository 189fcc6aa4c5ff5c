"""Send the shopper through each set-up and collect what they saw."""

import time
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import make_catalog, make_pictured_product, make_shopper, upload_image
from .fleet import Fleet
from .shopper import Shopper
from .tally import AFTER, DURING, Tally

# The fault strikes while the shopper reads a page, not in the middle of a request:
# a request cut off in flight is another story, the Idempotency-Key's (see shopper).
READING_SECONDS = 1.0


@dataclass
class Outcome:
    """One set-up's result: its ``tally``, or ``skipped`` (why it was not run).

    ``events`` says what the fault did, round by round, from ``fault_round`` on.
    """

    setup: object
    tally: Tally = None
    events: list = field(default_factory=list)
    fault_round: int = None
    instances: int = 0
    seconds: float = 0.0
    skipped: str = ""


def run_demo(setups, *, base_env, workdir, rounds, instances, log=print):
    """Run every set-up in turn; a list of :class:`Outcome`, in the order of ``setups``.

    ``base_env`` is what every instance needs (database, Redis, bucket, static files);
    each set-up adds its profile and gives every instance a ``MEDIA_ROOT`` of its own
    under ``workdir``. Each round adds two lines, so the catalog has ``2 * rounds``.
    """
    catalog = make_catalog(2 * rounds)
    outcomes = []
    for setup in setups:
        log(f"{setup.label} …")
        outcome = run_setup(
            setup,
            catalog=catalog,
            base_env=base_env,
            workdir=Path(workdir),
            rounds=rounds,
            instances=instances,
        )
        log(f"    {_summary(outcome)}")
        outcomes.append(outcome)
    return outcomes


def run_setup(setup, *, catalog, base_env, workdir, rounds, instances):
    """Start ``setup``'s fleet, upload the picture, send the shopper, stop the fleet."""
    if reason := setup.unavailable():
        return Outcome(setup, skipped=reason)
    envs = [
        {
            **base_env,
            **profile,
            "DJANGO_MEDIA_ROOT": str(workdir / setup.key / f"instance-{n}" / "media"),
            "GUNICORN_GRACEFUL_TIMEOUT": "5",
        }
        for n, profile in enumerate(setup.profiles(instances), start=1)
    ]
    started = time.monotonic()
    fleet = Fleet(envs, sticky=setup.sticky).start()
    try:
        email = make_shopper(setup.key)
        picture = make_pictured_product(setup.key)
        # The upload reaches one instance: with stickiness, the one nginx pins this
        # machine's address to (the shopper's, too).
        receiver = fleet.instances[setup.uploads_on]
        upload_image(
            fleet.url if setup.sticky else f"http://127.0.0.1:{receiver.port}",
            catalog.staff_email,
            picture,
        )
        shopper = Shopper(fleet.url, email, catalog.product_ids, picture)
        outcome = Outcome(setup, instances=len(envs))
        try:
            _journey(setup, fleet, shopper, rounds, outcome)
        finally:
            shopper.close()
    finally:
        fleet.stop()
    outcome.seconds = time.monotonic() - started
    return outcome


def _journey(setup, fleet, shopper, rounds, outcome):
    """Sign in, then shop ``rounds`` rounds; the fault acts from halfway on."""
    fault = setup.fault() if setup.fault is not None else None
    shopper.sign_in()
    for number in range(1, rounds + 1):
        if fault is not None and number > rounds // 2 and not fault.done:
            outcome.events.append(f"before round {number}: {fault.act(fleet, shopper)}")
            outcome.fault_round = outcome.fault_round or number
            time.sleep(READING_SECONDS)
        if outcome.fault_round is not None:
            shopper.phase = AFTER if fault.done else DURING
        shopper.shop_one_round(number)
    outcome.tally = shopper.finish()


def _summary(outcome):
    if outcome.skipped:
        return outcome.skipped
    t = outcome.tally
    return (
        f"{t.requests} requests, {t.errors} errors, signed out at {t.sign_outs} of "
        f"{len(t.checks)} checks, {t.lines_vanished} lines vanished, {t.lines_kept} of "
        f"{t.lines_added} lines kept, {t.images_missing} of {t.images_viewed} images missing "
        f"({outcome.seconds:.0f} s)"
    )
