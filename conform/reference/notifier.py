"""Delivers notifications from a background worker so request threads never wait on subscribers."""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from conform.jsonld import context_list
from conform.loopback import is_loopback
from conform.reference.messages import CONTEXT_REL, CORE_CONTEXT
from conform.reference.store import Store, now_iso

_TIMEOUT_S = 3.0
_TICK_S = 0.2  # how often periodic (timeInterval) subscriptions are looked at


def _post(uri: str, body: dict[str, Any], headers: dict[str, str]) -> bool:
    """POST the notification; True when the subscriber answered 2xx."""
    parts = urlsplit(uri)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.netloc, timeout=_TIMEOUT_S)
    try:
        connection.request("POST", target, body=json.dumps(body).encode(), headers=headers)
        return 200 <= connection.getresponse().status < 300
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _context_link(context: Any) -> str:
    url = context if isinstance(context, str) else CORE_CONTEXT
    return f'<{url}>; rel="{CONTEXT_REL}"; type="application/ld+json"'


def delivery(subscription: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """The body and headers of a notification as the endpoint asks (CIM 009 5.8.1, 5.11.2).

    `accept: application/ld+json` puts the subscriber's @context in the body, otherwise it goes
    in a Link header; `receiverInfo` key-value pairs are sent as headers.
    """
    endpoint = subscription["notification"]["endpoint"]
    context = subscription.get("jsonldContext")
    headers: dict[str, str] = {}
    for info in endpoint.get("receiverInfo") or []:
        if isinstance(info, dict) and "key" in info and "value" in info:
            headers[str(info["key"])] = str(info["value"])
    if endpoint.get("accept") == "application/ld+json":
        echoed = [*context_list(context), CORE_CONTEXT] if context else CORE_CONTEXT
        headers["Content-Type"] = "application/ld+json"
        return {**body, "@context": echoed}, headers
    headers.update({"Content-Type": "application/json", "Link": _context_link(context)})
    return body, headers


class Notifier:
    """A queue drained by one worker thread; records each delivery on its subscription.

    A second thread calls `tick` (when set) a few times a second: periodic notifications.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._queue: queue.Queue[tuple[Store, str, str, dict[str, Any], dict] | None]
        self._queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._last: dict[str, float] = {}  # subscription id -> monotonic time of its last send
        self.tick: Callable[[], None] | None = None

    def start(self) -> None:
        """Start the worker thread (and the ticker)."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="conform-notifier", daemon=True)
        self._thread.start()
        if self.tick is not None:
            self._ticker = threading.Thread(target=self._tick, name="conform-ticker", daemon=True)
            self._ticker.start()

    def stop(self) -> None:
        """Let the worker finish what is queued, then end it."""
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def since_last(self, subscription_id: str) -> float:
        """Seconds since the subscription's last notification (infinite if none)."""
        last = self._last.get(subscription_id)
        return float("inf") if last is None else time.monotonic() - last

    def send(self, store: Store, subscription: dict[str, Any], body: dict[str, Any]) -> None:
        """Queue a notification of a subscription of STORE (its tenant named in the
        NGSILD-Tenant header, CIM 009 6.3.14); timesSent and lastNotification count it now.

        Within the subscription's throttling period after the last one, nothing is sent.
        """
        params = subscription["notification"]
        uri = params["endpoint"]["uri"]
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname):
            # The reference server is a local test double: it never sends traffic off this
            # machine, whatever endpoint a (possibly fuzzed) subscription names.
            return
        if self.since_last(subscription["id"]) < float(subscription.get("throttling", 0)):
            return
        self._last[subscription["id"]] = time.monotonic()
        params["timesSent"] = params.get("timesSent", 0) + 1
        params["lastNotification"] = body["notifiedAt"]
        payload, headers = delivery(subscription, body)
        if store.tenant is not None:
            headers["NGSILD-Tenant"] = store.tenant
        self._queue.put((store, subscription["id"], uri, payload, headers))

    def _tick(self) -> None:
        while not self._stopping.wait(_TICK_S):
            with self._store.lock:
                if self.tick is not None:
                    self.tick()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            store, subscription_id, uri, body, headers = item
            delivered = _post(uri, body, headers)
            with store.lock:
                subscription = store.subscriptions.get(subscription_id)
                if subscription is not None:
                    params = subscription["notification"]
                    params["lastSuccess" if delivered else "lastFailure"] = now_iso()
                    params["status"] = "ok" if delivered else "failed"
