"""The set-ups the shopper is sent through, from the legacy "before" to the stateless
"after". A set-up is one entry of ``SETUPS``: which profile each instance runs, whether
nginx pins clients to an instance, and what happens halfway through the journey.
"""

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

LEGACY_IN_PROCESS = {
    "DJANGO_SETTINGS_MODULE": "shop.settings.legacy",
    "LEGACY_SESSION_STORE": "locmem",
}
LEGACY_DATABASE = {"DJANGO_SETTINGS_MODULE": "shop.settings.legacy", "LEGACY_SESSION_STORE": "db"}
BRIDGE = {"DJANGO_SETTINGS_MODULE": "shop.settings.bridge", "LEGACY_SESSION_STORE": "db"}
STATELESS = {"DJANGO_SETTINGS_MODULE": "shop.settings.stateless"}


class KillShoppersInstance:
    """SIGKILL the instance that answered the shopper last, as a crashed machine goes."""

    done = False

    def act(self, fleet, shopper):
        victim = fleet.serving(shopper.served_by)
        if victim is None:
            raise RuntimeError(f"no running instance sent X-Served-By {shopper.served_by!r}")
        fleet.kill(victim)
        self.done = True
        return f"{victim.name}, the last to answer the shopper, was killed (SIGKILL)"


class RollingDeploy:
    """Replace the instances not running ``profile`` by ones that do, one per round:
    drained at nginx, stopped gracefully, started on the new release, put back."""

    def __init__(self, profile):
        self.profile = profile
        self.done = False

    def act(self, fleet, shopper):
        module = self.profile["DJANGO_SETTINGS_MODULE"]
        old = [i for i in fleet.instances if i.env["DJANGO_SETTINGS_MODULE"] != module]
        if not old:
            self.done = True
            return f"every instance already runs {module}"
        fleet.replace(old[0], {**old[0].env, **self.profile})
        self.done = len(old) == 1
        return f"{old[0].name} was replaced by an instance of {module}"


@dataclass(frozen=True)
class Setup:
    """One way of running the shop.

    ``profiles(n)`` gives the environment of each of ``n`` instances. ``fault()`` makes
    what happens halfway through the journey: an object whose ``act(fleet, shopper)``
    is called before each round from then on, until its ``done`` is true, and returns
    a sentence saying what it did. Staff upload the picture on
    ``instances[uploads_on]`` (through nginx when it is sticky: on the instance this
    machine is pinned to). A set-up whose ``requires`` (a module) does not exist is not
    run, and ``missing`` is reported in place of its numbers.
    """

    key: str
    title: str
    shows: str
    profiles: Callable
    sticky: bool = False
    fault: Callable | None = None
    uploads_on: int = 0
    requires: str = ""
    missing: str = ""

    def unavailable(self):
        """Why this set-up cannot run here, or "" when it can."""
        if self.requires and importlib.util.find_spec(self.requires) is None:
            return self.missing
        return ""

    @property
    def label(self):
        return f"({self.key}) {self.title}"


def _all(profile):
    return lambda n: [profile] * n


def _mixed(old, new):
    """Half the fleet (rounded up) still on ``old``, the rest already on ``new``."""
    return lambda n: [old] * ((n + 1) // 2) + [new] * (n // 2)


SETUPS = [
    Setup(
        key="a",
        title="legacy, sessions in each process's memory, round robin",
        shows="a session lives in one process, so every other instance has never heard of "
        "the shopper: signed out, cart gone, images missing",
        profiles=_all(LEGACY_IN_PROCESS),
    ),
    Setup(
        key="b",
        title="the same behind ip_hash stickiness, the shopper's instance killed halfway",
        shows="stickiness hides the sessions' whereabouts (not the two tabs' race, which "
        "every session store has) until the instance goes: then signed out, cart gone, and "
        "the image is not on the instance that takes over",
        profiles=_all(LEGACY_IN_PROCESS),
        sticky=True,
        fault=KillShoppersInstance,
    ),
    Setup(
        key="c",
        title="legacy, sessions in the database, round robin",
        shows="signed in everywhere, but two tabs' writes race (the last session save wins) "
        "and an upload exists only on the instance that received it",
        profiles=_all(LEGACY_DATABASE),
    ),
    Setup(
        key="d",
        title="the bridge release in a mixed fleet during a rolling deploy",
        shows="both worlds written, either read: nobody signed out, and once every instance "
        "runs the bridge nothing is missing; while legacy instances still take writes, two "
        "tabs can still race on their session as in (c)",
        profiles=_mixed(LEGACY_DATABASE, BRIDGE),
        fault=lambda: RollingDeploy(BRIDGE),
        # The bridge stores uploads in the bucket (the guide's step 1 moved them there).
        # The legacy profile has no bucket setting yet, so its instances here still link
        # /media/ on their own disks.
        uploads_on=-1,
        requires=BRIDGE["DJANGO_SETTINGS_MODULE"],
        missing="not run: the bridge profile is not in this release yet",
    ),
    Setup(
        key="e",
        title="stateless, round robin, an instance killed halfway",
        shows="nothing about the shopper is in any process or on any disk: nothing lost",
        profiles=_all(STATELESS),
        fault=KillShoppersInstance,
    ),
]
