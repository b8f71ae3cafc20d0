"""HTTP plumbing: a quiet threading server that can close idle keep-alive connections."""

from __future__ import annotations

import contextlib
import http.client
import queue
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar

from conform.errors import UsageError

T = TypeVar("T")


class QuietServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose handler threads are joined on close, and never logs."""

    daemon_threads = False  # joined by server_close(): no thread outlives stop()
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections so they can end."""
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):  # already closed by the peer
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection errors (client went away) are not worth a traceback on stderr."""


class BackgroundServer:
    """A QuietServer on loopback served from a background thread: start, stop, URL.

    Subclasses set `handler` and may override `on_start`/`on_stop` (e.g. a notifier) and
    `ready_path`, a path answered once the server is up.
    """

    handler: type[BaseHTTPRequestHandler]
    thread_name = "conform-reference"
    ready_path = "/openapi.yaml"
    tenant: str | None = None  # the tenant a run against this server declares (None: no tenancy)
    tenants: tuple[str, ...] = ()  # more tenants a run against it may write into (tenancy tests)

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._httpd: QuietServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The root URL, e.g. http://127.0.0.1:1026."""
        host, port = self._bound()
        return f"http://{host}:{port}"

    def _bound(self) -> tuple[str, int]:
        """The address listened on (the real port once started with port 0)."""
        if self._httpd is None:
            return self._address
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def on_start(self) -> None:
        """Called once listening, before serving."""

    def on_stop(self) -> None:
        """Called after the last request was served."""

    def start(self) -> Self:
        """Listen, serve from a background thread, and return once the server answers."""
        try:
            httpd = QuietServer(self._address, self.handler)
        except OSError as exc:
            host, port = self._address
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        httpd.app = self  # type: ignore[attr-defined]  # handlers reach their server this way
        self._httpd = httpd
        self.on_start()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=self.thread_name,
            daemon=True,  # never keeps an interrupted process alive; stop() joins it
        )
        self._thread.start()
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        host, port = self._bound()
        for _ in range(100):
            connection = http.client.HTTPConnection(host, port, timeout=1)
            try:
                connection.request("GET", self.ready_path)
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.02)
            finally:
                connection.close()

    def stop(self) -> None:
        """Stop serving, close every connection, join all threads."""
        if self._httpd is not None and self._thread is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
            self._thread.join()
            self.on_stop()
            self._httpd = None
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class QueueWorker(Generic[T]):
    """One background thread handling queued items in order (e.g. notification deliveries)."""

    thread_name = "conform-worker"

    def __init__(self) -> None:
        self._queue: queue.Queue[T | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Let the worker finish what is queued, then end it."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def put(self, item: T) -> None:
        """Queue one item."""
        self._queue.put(item)

    def handle(self, item: T) -> None:
        """Process one item on the worker thread."""
        raise NotImplementedError

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            self.handle(item)
