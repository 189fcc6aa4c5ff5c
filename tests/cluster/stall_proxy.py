"""A TCP proxy on loopback that can stop answering without closing anything.

A test helper, not a product: it stands between the shop and PostgreSQL or Redis so that
a test can make a dependency *stall* (the peer accepts connections and then goes
silent, like a frozen server) rather than *fail* (refused or reset connections, which
clients notice at once). ``stall()`` freezes every connection, open or new; ``resume()``
lets bytes flow again.
"""

import contextlib
import socket
import threading

import localcluster

CHUNK = 65536


class StallProxy:
    """Forward ``127.0.0.1:<port>`` to ``target`` (host, port) until told to stall.

    While stalled, new connections are accepted (the kernel completes the handshake) but
    never connected upstream, and open connections stop forwarding in both directions:
    what a client sends is read and held, nothing comes back. Held bytes are delivered
    in order after ``resume()``. Use as a context manager, or call ``close()``.
    """

    def __init__(self, target):
        self.target = target
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = False
        self._sockets = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", localcluster.free_port()))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stall(self):
        self._flowing.clear()

    def resume(self):
        self._flowing.set()

    def close(self):
        self._closed = True
        self._flowing.set()  # release every waiting pump, which then sees _closed
        self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _track(self, sock):
        with self._lock:
            self._sockets.add(sock)

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:  # the listener was closed
                return
            self._track(client)
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client):
        self._flowing.wait()
        if self._closed:
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _close(client)
            return
        upstream.settimeout(None)
        self._track(upstream)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        while True:
            try:
                data = source.recv(CHUNK)
            except OSError:
                data = b""
            # A stall holds what was read: nothing reaches the other side until resume().
            self._flowing.wait()
            if not data or self._closed:
                break
            try:
                sink.sendall(data)
            except OSError:
                break
        _close(source)
        _close(sink)


def _close(sock):
    with contextlib.suppress(OSError):  # already shut down by the other side
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
