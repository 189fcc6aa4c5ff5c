"""A shortened `make demo-migration`: each set-up loses what its design says it loses.

One run of every set-up (two instances each, a few rounds), then the outcome of each
is compared with what the migration guide promises, and the written page with the
run's own numbers.
"""

from dataclasses import replace

import pytest

from tests.cluster.migration_demo import report
from tests.cluster.migration_demo.runner import Outcome, run_demo
from tests.cluster.migration_demo.setups import SETUPS
from tests.cluster.migration_demo.tally import AFTER, BEFORE, Check, Tally

# Enough rounds for the two tabs to race in (c) and for round robin to reach every
# instance; few enough that all set-ups run within about a minute and a half.
ROUNDS = 6
INSTANCES = 2


@pytest.fixture
def outcomes(instance_env, tmp_path):
    """One shortened run of every set-up, by key."""
    run = run_demo(
        SETUPS,
        base_env=instance_env,
        workdir=tmp_path,
        rounds=ROUNDS,
        instances=INSTANCES,
        log=lambda line: None,
    )
    return {outcome.setup.key: outcome for outcome in run}


def _phase(outcome, phase):
    checks = [c for c in outcome.tally.checks if c.phase == phase]
    return {
        "signed out": sum(not c.signed_in for c in checks),
        "lines vanished": sum(c.lines_vanished for c in checks),
        "images missing": sum(c.images_missing for c in checks),
    }


def _lost(outcome):
    t = outcome.tally
    return {
        "signed out": t.sign_outs > 0,
        "lines vanished": t.lines_vanished > 0,
        "lines not kept": t.lines_kept < t.lines_added,
        "images missing": t.images_missing > 0,
        "errors": t.errors,
    }


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_each_set_up_loses_what_the_guide_says_and_the_page_shows_it(outcomes):
    a, b, c, d, e = (outcomes[key] for key in "abcde")
    samples = {key: o.tally.error_samples for key, o in outcomes.items() if o.tally}
    b_before, b_after = _phase(b, BEFORE), _phase(b, AFTER)

    # (a) per-process sessions, round robin: signed out, the cart goes with the session.
    assert _lost(a) == {
        "signed out": True,
        "lines vanished": True,
        "lines not kept": True,
        "images missing": True,
        "errors": 0,
    }, samples
    # (b) sticky: fine while the instance lives (but for the two tabs' race, which
    # every session store has), then signed out, cart gone, the image not there.
    assert (b_before["signed out"], b_before["images missing"]) == (0, 0)
    assert b_after["signed out"] >= 1 and b_after["images missing"] > 0, b_after
    assert b_after["lines vanished"] > 0 and b.tally.lines_kept < b.tally.lines_added
    # (c) database sessions: always signed in, yet lines lost and images missing.
    assert _lost(c) == {
        "signed out": False,
        "lines vanished": True,
        "lines not kept": True,
        "images missing": True,
        "errors": 0,
    }, samples
    # (e) stateless, an instance killed halfway: nothing lost at all.
    assert _lost(e) == {
        "signed out": False,
        "lines vanished": False,
        "lines not kept": False,
        "images missing": False,
        "errors": 0,
    }, samples
    assert e.fault_round == ROUNDS // 2 + 1 and "killed" in e.events[0]
    assert e.tally.lines_added == 2 * ROUNDS and e.tally.images_viewed == 2 * ROUNDS
    # (d) the bridge in a mixed fleet, during and after a rolling deploy: nobody signed
    # out, no error; once every instance runs the bridge, nothing vanishes (lines a
    # legacy instance acknowledged included) and every picture is there. While legacy
    # instances still take writes, two tabs can race on their session as in (c).
    if d.setup.unavailable():
        assert d.skipped == "not run: the bridge profile is not in this release yet"
        assert d.tally is None
    else:
        assert (d.tally.sign_outs, d.tally.errors) == (0, 0), samples
        assert _phase(d, AFTER) == {"signed out": 0, "lines vanished": 0, "images missing": 0}

    # The page written has the run's own numbers in its table.
    page = report.markdown(outcomes.values(), rounds=ROUNDS, machine="a machine", when="today")
    for key, outcome in outcomes.items():
        if outcome.skipped:
            assert f"\n({key}) {outcome.skipped}.\n" in page
        else:
            assert _row(outcome.setup.label, outcome.tally) in page
    e_row = next(line for line in page.splitlines() if line.startswith("| (e) stateless"))
    assert e_row.endswith("| nothing lost |")
    assert f"Run on today on a machine; {ROUNDS} rounds per set-up." in page


def _row(label, tally, rounds=ROUNDS):
    return (
        f"| {label} | {tally.requests} | {tally.errors} | {tally.sign_outs} of {rounds} checks "
        f"| {tally.lines_vanished} | {tally.lines_kept} of {tally.lines_added} "
        f"| {tally.images_missing} of {tally.images_viewed} |"
    )


def test_a_set_up_not_in_this_release_is_reported_without_numbers():
    bridge = next(s for s in SETUPS if s.key == "d")
    missing = replace(bridge, requires="shop.settings.no_such_profile")
    ran = Outcome(SETUPS[0], tally=_tally(requests=137, errors=3, signed_out=2), instances=2)

    page = report.markdown(
        [ran, Outcome(missing, skipped=missing.unavailable())], rounds=3, machine="m", when="w"
    )
    printed = report.terminal_table([Outcome(missing, skipped=missing.unavailable())])

    assert missing.unavailable() == "not run: the bridge profile is not in this release yet"
    assert "\n(d) not run: the bridge profile is not in this release yet.\n" in page
    assert f"| {missing.label} | not run: the bridge profile is not in this release yet |" in page
    assert "(d) not run: the bridge profile is not in this release yet" in printed.splitlines()
    assert _row(SETUPS[0].label, ran.tally, rounds=3) in page
    assert "| 137 | 3 | 2 of 3 checks |" in page


def _tally(*, requests, errors, signed_out):
    checks = [
        Check(
            n,
            phase=BEFORE,
            signed_in=n > signed_out,
            lines_vanished=0,
            images_viewed=2,
            images_missing=0,
        )
        for n in range(1, 4)
    ]
    return Tally(requests=requests, errors=errors, checks=checks, lines_added=6, lines_kept=6)
