"""Notifications: which subscriptions an entity change triggers, and their delivery on loopback."""

from __future__ import annotations

import http.client
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conform.loopback import is_loopback
from conform.reference.ngsi_v2.entity import Entity, render
from conform.reference.store import now_iso
from conform.reference.transport import QueueWorker

if TYPE_CHECKING:
    from conform.reference.ngsi_v2.store import Tenant, TenantStore
    from conform.reference.ngsi_v2.subscription import Subscription

_TIMEOUT_S = 3.0
Delivery = tuple["Subscription", str, bytes, dict[str, str]]


def _post(url: str, data: bytes, headers: dict[str, str]) -> bool:
    """POST one notification; True when the receiver answered 2xx."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=_TIMEOUT_S)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=data, headers=headers)
        return 200 <= connection.getresponse().status < 300
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def payload(sub: Subscription, entity: Entity) -> dict[str, Any]:
    """The notification body: {subscriptionId, data: [entity in the subscription's format]}."""
    params = sub.doc["notification"]
    attrs = params.get("attrs") or None
    if params.get("exceptAttrs"):
        attrs = [k for k in entity.attrs if k not in params["exceptAttrs"]]
    mode = params.get("attrsFormat", "normalized")
    data = render(entity, mode, attrs, params.get("metadata") or None)
    return {"subscriptionId": sub.id, "data": [data]}


class Notifier(QueueWorker[Delivery]):
    """Matches changes against subscriptions; one worker thread delivers, so requests never wait."""

    thread_name = "conform-v2-notifier"

    def __init__(self, store: TenantStore) -> None:
        super().__init__()
        self._store = store

    def changed(self, tenant_name: str, tenant: Tenant, entity: Entity, attrs: set[str]) -> None:
        """Queue a notification for every subscription the change of ATTRS triggers."""
        for sub in list(tenant.subscriptions.values()):
            if sub.triggered_by(entity, attrs):
                self._send(tenant_name, sub, entity)

    def _send(self, tenant_name: str, sub: Subscription, entity: Entity) -> None:
        url = sub.doc["notification"]["http"]["url"]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname):
            return  # a local test double never sends traffic off this machine
        params = sub.doc["notification"]
        params["timesSent"] = params.get("timesSent", 0) + 1
        params["lastNotification"] = now_iso()
        sub.last_sent = time.monotonic()
        headers = {
            "Content-Type": "application/json",
            "Ngsiv2-AttrsFormat": params.get("attrsFormat", "normalized"),
            "Fiware-ServicePath": entity.path,
        }
        if tenant_name:
            headers["Fiware-Service"] = tenant_name
        data = json.dumps(payload(sub, entity), ensure_ascii=False).encode()
        self.put((sub, url, data, headers))

    def handle(self, item: Delivery) -> None:
        """POST one notification and record the outcome on its subscription."""
        sub, url, data, headers = item
        delivered = _post(url, data, headers)
        with self._store.lock:
            sub.doc["notification"]["lastSuccess" if delivered else "lastFailure"] = now_iso()
