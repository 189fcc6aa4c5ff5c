"""A lean asyncio HTTP/1.1 client for the driver: uvloop for the event loop, httptools
(llhttp, the parser behind uvicorn) for responses.

General clients (aiohttp, requests) spend about a millisecond of Python per request on
this machine, as much as the floor server itself, so on two shared cores they would
halve what they measure. This one does only what the driver needs: one connection per
shopper and server, kept open while the server allows it (gthread workers), reopened
when the server closes it (sync workers answer ``Connection: close``), no redirects, no
cookies (the shopper keeps its own jar), responses read whole.
"""

import asyncio

import httptools


class HttpError(Exception):
    """The connection failed or the response could not be read."""


class Answer:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # [(name lowercased, value)], in order
        self.body = body

    def header(self, name, default=None):
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def all(self, name):
        return [value for key, value in self.headers if key == name]


class _Connection(asyncio.Protocol):
    def __init__(self):
        self.transport = None
        self.closed = False
        self.waiter = None
        self._reset()

    def _reset(self):
        self.parser = httptools.HttpResponseParser(self)
        self.headers, self.chunks, self.complete = [], [], False
        self._name = None

    # httptools callbacks
    def on_header(self, name, value):
        self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_body(self, body):
        self.chunks.append(body)

    def on_message_complete(self):
        self.complete = True
        self._finish()

    # asyncio.Protocol
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"bad response: {exc}"))

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self.headers and not self.complete:  # a body delimited by the close
                self._finish()
            else:
                self._fail(HttpError(f"connection closed: {exc or 'before a response'}"))

    def _finish(self):
        answer = Answer(self.parser.get_status_code(), self.headers, b"".join(self.chunks))
        keep = self.parser.should_keep_alive()
        waiter = self.waiter
        self.waiter = None
        self._reset()
        if not keep and self.transport is not None:
            self.transport.close()
            self.closed = True
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _fail(self, exc):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()
        self.closed = True

    async def exchange(self, payload, timeout):
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return await asyncio.wait_for(self.waiter, timeout)


class Client:
    """Requests to ``http://127.0.0.1:<port>`` servers, one open connection per server."""

    def __init__(self, timeout=30.0):
        self.timeout = timeout
        self.connections = {}

    async def request(self, method, base, path, headers, body=b""):
        """``base`` is ``http://host:port``; ``headers`` a dict. Returns an ``Answer``."""
        host_port = base.removeprefix("http://")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host_port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        connection = self.connections.get(host_port)
        if connection is None or connection.closed:
            host, port = host_port.rsplit(":", 1)
            try:
                _, connection = await asyncio.get_running_loop().create_connection(
                    _Connection, host, int(port)
                )
            except OSError as exc:
                raise HttpError(f"cannot connect: {exc}") from exc
            self.connections[host_port] = connection
        try:
            return await connection.exchange(payload, self.timeout)
        except TimeoutError as exc:
            connection._fail(HttpError("timeout"))
            raise HttpError("timeout") from exc

    def close(self):
        for connection in self.connections.values():
            if connection.transport is not None:
                connection.transport.close()
        self.connections.clear()
