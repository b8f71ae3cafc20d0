"""Delivers notifications from a background worker so request threads never wait on subscribers."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from conform.loopback import is_loopback
from conform.reference.messages import CONTEXT_LINK
from conform.reference.store import Store, now_iso
from conform.reference.transport import QueueWorker

_TIMEOUT_S = 3.0


def _post(uri: str, body: dict[str, Any]) -> bool:
    """POST the notification; True when the subscriber answered 2xx."""
    parts = urlsplit(uri)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.netloc, timeout=_TIMEOUT_S)
    try:
        headers = {"Content-Type": "application/json", "Link": CONTEXT_LINK}
        connection.request("POST", target, body=json.dumps(body).encode(), headers=headers)
        return 200 <= connection.getresponse().status < 300
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class Notifier(QueueWorker[tuple[str, str, dict[str, Any]]]):
    """A queue drained by one worker thread; records each delivery on its subscription."""

    thread_name = "conform-notifier"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store

    def send(self, subscription: dict[str, Any], body: dict[str, Any]) -> None:
        """Queue a notification; timesSent and lastNotification count it right away."""
        params = subscription["notification"]
        uri = params["endpoint"]["uri"]
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname):
            # The reference server is a local test double: it never sends traffic off this
            # machine, whatever endpoint a (possibly fuzzed) subscription names.
            return
        params["timesSent"] = params.get("timesSent", 0) + 1
        params["lastNotification"] = body["notifiedAt"]
        self.put((subscription["id"], uri, body))

    def handle(self, item: tuple[str, str, dict[str, Any]]) -> None:
        """Deliver one notification and record the outcome on its subscription."""
        subscription_id, uri, body = item
        delivered = _post(uri, body)
        with self._store.lock:
            subscription = self._store.subscriptions.get(subscription_id)
            if subscription is not None:
                params = subscription["notification"]
                params["lastSuccess" if delivered else "lastFailure"] = now_iso()
                params["status"] = "ok" if delivered else "failed"
