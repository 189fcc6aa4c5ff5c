"""The local cluster supervises its instances: one that dies comes back by itself."""

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import requests

import localcluster
from localcluster.supervisor import Supervisor
from tests.factories import make_product

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]


def _wait_for(condition, timeout, message, process=None):
    """Wait for ``condition``; ``message`` may be a callable, called when it fails.

    Gives up at once when ``process`` exits meanwhile.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        exited = process is not None and process.poll() is not None
        if exited or time.monotonic() > deadline:
            time.sleep(0.2)  # what it printed last reaches the message
            text = message() if callable(message) else message
            status = f" (exited with {process.returncode})" if exited else ""
            raise AssertionError(f"{text}{status}")
        time.sleep(0.1)


def test_a_killed_instance_is_restarted_while_nginx_serves_from_the_others(start_cluster, caplog):
    caplog.set_level(logging.WARNING, logger="localcluster")
    make_product(slug="sencha")
    cluster = start_cluster(instances=2, workers=1, supervise=True)
    victim = cluster.instances[0]
    killed = victim.pid
    statuses, stop = Counter(), threading.Event()

    def browse():
        with requests.Session() as browser:
            while not stop.is_set():
                page = browser.get(f"{cluster.url}/products/sencha/", timeout=10)
                statuses[page.status_code] += 1

    shopper = threading.Thread(target=browse)
    shopper.start()
    try:
        time.sleep(0.3)
        os.killpg(killed, signal.SIGKILL)  # master and workers, as the banner suggests
        _wait_for(
            lambda: victim.pid != killed and localcluster.port_open(victim.port),
            timeout=20,
            message="the killed instance was not started again",
        )
        localcluster.instances.wait_until_healthy(victim.port)
        time.sleep(0.3)
    finally:
        stop.set()
        shopper.join()

    assert set(statuses) == {200} and statuses[200] > 10
    assert requests.get(f"http://127.0.0.1:{victim.port}/healthz", timeout=5).status_code == 200
    assert f"(pid {killed}) exited on SIGKILL; restarting it in 1 s" in caplog.text
    assert f"instance 127.0.0.1:{victim.port} is back (pid {victim.pid})" in caplog.text


def test_an_instance_that_keeps_dying_is_restarted_after_growing_delays(instance_env, caplog):
    caplog.set_level(logging.WARNING, logger="localcluster")
    broken = localcluster.Instance(
        localcluster.free_port(),
        {**instance_env, "DJANGO_SETTINGS_MODULE": "shop.settings.no_such_profile"},
        workers=1,
    )
    with contextlib.suppress(RuntimeError):  # its workers cannot boot: gunicorn gives up
        broken.start()
    supervisor = Supervisor([broken], first_delay=0.2)
    supervisor.start()
    try:
        _wait_for(
            lambda: len(re.findall(r"restarting it in", caplog.text)) >= 4,
            timeout=60,
            message=caplog.text,
        )
    finally:
        supervisor.stop()
        broken.stop()

    delays = [float(d) for d in re.findall(r"restarting it in ([\d.]+) s", caplog.text)]
    assert delays[:4] == [0.2, 0.4, 0.8, 1.6]
    assert "exited with status 3" in caplog.text


def test_an_instance_stopped_on_purpose_stays_stopped(start_cluster):
    cluster = start_cluster(instances=2, workers=1, supervise=True)
    stopped = cluster.instances[1]

    stopped.stop()
    time.sleep(2)

    assert stopped.poll() is not None
    assert not localcluster.port_open(stopped.port)
    assert cluster.supervisor.restarts[id(stopped)] == 0


def _free_block(size):
    """A port with ``size`` free ports after it (make run uses port + 1 … port + size)."""
    for _ in range(50):
        port = localcluster.free_port()
        if port + size < 65536 and not any(
            localcluster.port_open(p) for p in range(port, port + size + 1)
        ):
            return port
    raise RuntimeError("no block of free ports")


RUNNER_OPTIONS = ("--instances", "2", "--workers", "1")


def test_make_run_restarts_a_killed_instance_and_stops_everything_on_sigterm(instance_env):
    port = _free_block(2)
    runner = subprocess.Popen(
        [sys.executable, "-m", "localcluster", "--port", str(port), *RUNNER_OPTIONS],
        cwd=localcluster.BASE_DIR,
        env={
            **os.environ,
            **instance_env,
            "PYTHONPATH": str(localcluster.BASE_DIR / "deploy" / "dev"),
            "DJANGO_ADMIN_PASSWORD": "a long demo password",
            # What it printed reaches the failure message even when it hangs.
            "PYTHONUNBUFFERED": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    reader = threading.Thread(target=lambda: output.extend(runner.stdout), daemon=True)
    reader.start()
    text = lambda: "".join(output)  # noqa: E731
    try:
        _wait_for(
            lambda: "Ctrl-C stops everything" in text(),
            240,
            lambda: "no banner:\n" + text(),
            runner,
        )
        victim = int(re.search(r"kill -9 -- -(\d+)", text()).group(1))
        masters = [int(p) for p in re.findall(r"gunicorn master pid (\d+)", text())]
        assert victim in masters and len(masters) == 2
        assert f"http://127.0.0.1:{port}/" in text()

        os.killpg(victim, signal.SIGKILL)
        _wait_for(lambda: "is back (pid" in text(), 30, lambda: "not restarted:\n" + text(), runner)
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        new_master = int(re.search(r"is back \(pid (\d+)\)", text()).group(1))

        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=60) == 0
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()

    assert page.status_code == 200
    assert f"(pid {victim}) exited on SIGKILL" in text()
    for pid in [m for m in masters if m != victim] + [new_master]:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not localcluster.port_open(port)
