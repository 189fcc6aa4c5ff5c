"""The container's HEALTHCHECK: exit 0 when this container's gunicorn answers /healthz.

Django checks every request's Host header against ALLOWED_HOSTS, probes included, so
the probe sends the first entry of ``DJANGO_ALLOWED_HOSTS`` (a leading-dot wildcard
``.example.com`` becomes ``example.com``; ``*`` or nothing becomes ``localhost``). The
port is the one of ``GUNICORN_BIND`` (the image sets ``0.0.0.0:8000``). /healthz touches
no dependency, so a Redis or database outage never marks the container unhealthy; the
production profile exempts it from the HTTPS redirect.

Standard library only, and no shell: the image has no curl.
"""

import http.client
import os
import sys

TIMEOUT_SECONDS = 2


def probe_host(allowed_hosts):
    """The Host header to send, from a comma-separated ``DJANGO_ALLOWED_HOSTS`` value."""
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "*")
    if first == "*":
        return "localhost"
    return first.lstrip(".")


def probe_port(bind):
    """The port of a ``GUNICORN_BIND`` value such as ``0.0.0.0:8000`` or ``[::]:8000``."""
    return int(bind.rsplit(":", 1)[1])


def main():
    host = probe_host(os.environ.get("DJANGO_ALLOWED_HOSTS", ""))
    port = probe_port(os.environ.get("GUNICORN_BIND", "0.0.0.0:8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        status = connection.getresponse().status
    except OSError as exc:  # refused, reset or timed out: not healthy
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"healthcheck: /healthz answered {status} for Host {host}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
