"""Shared by the subscription suites: build, create and read back a subscription."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from _builders import probe_type, subscription

from conform.http import Client
from conform.namespace import Namespace
from conform.suite import (
    NOTIFICATION_WAIT,
    NotificationReceiver,
    expect_status,
    requires,
)

Body = dict[str, Any]
WAIT = NOTIFICATION_WAIT  # seconds a notification may take


def sub_for(ns: Namespace, receiver: NotificationReceiver, suffix: str, **members: Any) -> Body:
    """A subscription on the run-unique type of SUFFIX, notifying RECEIVER."""
    return subscription(ns.subscription_id(), probe_type(ns, suffix), receiver.url, **members)


def subscribe(client: Client, body: Body) -> str:
    """Create BODY for a test about something else; a refusal blocks it (SUB-001)."""
    r = client.post("/subscriptions", json=body)
    with requires("SUB-001"):
        expect_status(r, 201)
    return str(body["id"])


def read_subscription(client: Client, sid: str) -> Body:
    """GET the subscription SID (200 and an object expected)."""
    r = client.get(f"/subscriptions/{sid}")
    expect_status(r, 200)
    body = r.json()
    assert isinstance(body, dict), f"expected a subscription object, got {r.text[:120]!r}"
    return body


def is_datetime(value: object) -> bool:
    """Whether VALUE is an ISO 8601 date-time string."""
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return isinstance(value, str) and "T" in value
