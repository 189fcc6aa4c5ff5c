"""Django's PostgreSQL backend, with a deadline on every wait for the server.

Named by ``ENGINE = "shop.postgresql"``; everything else is Django's. Three timeouts
keep a stalled database from hanging a worker, each for a different stall:

- ``statement_timeout`` (``OPTIONS["options"]``): the *server* cancels a statement that
  runs too long (lock waits, a bad plan).
- libpq's ``keepalives*`` and ``tcp_user_timeout``: the *kernel* drops a connection whose
  packets go unacknowledged (a dead host, a network that black-holes traffic).
- ``OPTIONS["read_timeout"]`` (seconds, this module): the *client* stops waiting for an
  answer. The only one that helps when the peer's kernel still acknowledges every byte
  but nothing answers: a frozen server process, a stuck proxy or connection pooler.
  libpq has no such timeout, but psycopg 3 waits for the socket in Python, with an
  optional deadline that this backend sets.

A connection that misses its deadline has a command in flight and can never be used
again: it is closed, the error is a ``django.db.OperationalError`` (a 503 for the API
and the pages), and the next request connects afresh. Without ``read_timeout`` (or with
0) the backend behaves exactly like Django's. Not applied to ``OPTIONS["pool"]``.

The health check of a kept-alive connection (``CONN_HEALTH_CHECKS``) asks the socket
instead of sending Django's ``SELECT 1``: see ``DatabaseWrapper.is_usable``.
"""

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class ReadTimeoutConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after ``read_timeout`` s."""

    read_timeout = None

    def wait(self, *args, timeout=None, **kwargs):
        if timeout is None and self.read_timeout:
            timeout = self.read_timeout
        try:
            return super().wait(*args, timeout=timeout, **kwargs)
        except psycopg.OperationalError as exc:
            # Still ACTIVE: the server never answered the command in flight (a lost
            # connection is BAD or UNKNOWN instead).
            if self.pgconn.transaction_status != TransactionStatus.ACTIVE:
                raise
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {timeout:g} s"
            ) from exc


class _Psycopg:
    """The psycopg module as Django's backend sees it, connecting with our class.

    Django reaches the driver through ``DatabaseWrapper.Database`` (``connect``, the
    exception classes it wraps, ``Binary``…); only ``connect`` differs.
    """

    def __getattr__(self, name):
        return getattr(psycopg, name)

    @staticmethod
    def connect(*args, read_timeout=None, **kwargs):
        connection = ReadTimeoutConnection.connect(*args, **kwargs)
        connection.read_timeout = read_timeout or None
        return connection


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()

    def is_usable(self):
        """Whether the connection is open, without a round trip to the server.

        Between requests a connection has nothing to read: the server speaks only when
        asked. A server that ends the session (a restart, a failover, an administrator's
        ``pg_terminate_backend``) sends its error and closes, which makes the idle socket
        readable; so does a connection the kernel dropped. Either way it is not used
        again and Django connects afresh. A peer gone without a word (a dead host) is
        not seen here; the keepalives and timeouts above bound that one.
        """
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError, psycopg.Error):
            return False
