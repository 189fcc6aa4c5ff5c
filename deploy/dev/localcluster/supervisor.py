"""Restart what exits on its own, the way a process manager or Kubernetes would.

The supervisor watches processes that have ``start()``, ``poll()``, ``pid``, ``name``,
``wanted``, ``started_at`` and ``lock`` (an :class:`~localcluster.instances.Instance` or
the :class:`~localcluster.nginx.Balancer`). One that exits while ``wanted`` is logged
and started again after a back-off: 1 s, then doubling while it keeps dying within a
minute of its start, up to 30 s. Stopping one on purpose clears ``wanted`` first, so the
supervisor leaves it alone.
"""

import logging
import signal
import threading
import time

logger = logging.getLogger("localcluster")

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
# A process that ran this long before exiting starts over at the first delay.
STABLE_SECONDS = 60.0


def describe_exit(returncode):
    """``"with status 3"`` or ``"on SIGKILL"`` for a Popen return code."""
    if returncode is not None and returncode < 0:
        try:
            return f"on {signal.Signals(-returncode).name}"
        except ValueError:
            return f"on signal {-returncode}"
    return f"with status {returncode}"


class Supervisor(threading.Thread):
    """A daemon thread that restarts ``processes`` which exit while wanted."""

    def __init__(self, processes, *, poll_seconds=0.2, first_delay=FIRST_DELAY_SECONDS):
        super().__init__(name="localcluster-supervisor", daemon=True)
        self.processes = list(processes)
        self.poll_seconds = poll_seconds
        self.first_delay = first_delay
        self.restarts = {id(p): 0 for p in self.processes}
        self._delay = {id(p): first_delay for p in self.processes}
        self._due = {}  # id(process) -> monotonic time of its next start
        self._stopping = threading.Event()

    def stop(self):
        """Restart nothing from now on; return once the thread has ended."""
        self._stopping.set()
        if self.is_alive():
            self.join()

    def run(self):
        while not self._stopping.wait(self.poll_seconds):
            for process in self.processes:
                if self._stopping.is_set():
                    return
                # Busy means someone starts or stops it on purpose right now.
                if not process.lock.acquire(blocking=False):
                    continue
                try:
                    self._check(process)
                finally:
                    process.lock.release()

    def _check(self, process):
        key = id(process)
        if not process.wanted or process.poll() is None:
            self._due.pop(key, None)
            return
        now = time.monotonic()
        if key not in self._due:
            lived = now - (process.started_at or now)
            if lived >= STABLE_SECONDS:
                self._delay[key] = self.first_delay
            delay = self._delay[key]
            self._due[key] = now + delay
            self._delay[key] = min(delay * 2, MAX_DELAY_SECONDS)
            logger.warning(
                "%s (pid %s) exited %s; restarting it in %g s",
                process.name,
                process.pid,
                describe_exit(process.poll()),
                delay,
            )
            return
        if now < self._due[key]:
            return
        del self._due[key]
        try:
            process.start()
        except (RuntimeError, TimeoutError, OSError) as exc:
            # It will be seen dead at the next poll and retried after a longer delay.
            logger.warning("%s did not start: %s", process.name, exc)
            return
        self.restarts[key] += 1
        logger.warning("%s is back (pid %s)", process.name, process.pid)
