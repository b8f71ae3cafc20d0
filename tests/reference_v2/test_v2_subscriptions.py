"""Subscriptions and notifications on the NGSI v2 reference server."""

from __future__ import annotations

from typing import Any

from reference_v2.helpers import V2, expect_error

from reference.helpers import Receiver


def _subscribe(v2: V2, receiver: Receiver, kind: str, **extra: Any) -> str:
    notification = {"http": {"url": receiver.url}, **extra.pop("notification", {})}
    subject = {"entities": [{"idPattern": ".*", "type": kind}], **extra.pop("subject", {})}
    r = v2(
        "POST", "/subscriptions", json={"subject": subject, "notification": notification, **extra}
    )
    assert r.status_code == 201, r.text
    assert r.headers["Location"].startswith("/v2/subscriptions/")
    return r.headers["Location"].rsplit("/", 1)[1]


def test_lifecycle(v2: V2, receiver: Receiver, kind: str) -> None:
    sid = _subscribe(v2, receiver, kind, description="d")
    got = v2("GET", f"/subscriptions/{sid}").json()
    assert got["id"] == sid and got["status"] == "active"
    assert got["notification"]["http"]["url"] == receiver.url
    r = v2("GET", "/subscriptions", params={"options": "count", "limit": 1000})
    assert sid in [s["id"] for s in r.json()] and int(r.headers["Fiware-Total-Count"]) >= 1
    assert v2("PATCH", f"/subscriptions/{sid}", json={"description": "e"}).status_code == 204
    assert v2("GET", f"/subscriptions/{sid}").json()["description"] == "e"
    assert v2("DELETE", f"/subscriptions/{sid}").status_code == 204
    expect_error(v2("GET", f"/subscriptions/{sid}"), 404, "NotFound")
    expect_error(
        v2("POST", "/subscriptions", json={"subject": {"entities": [{"id": "x"}]}}),
        400,
        "BadRequest",
    )
    bad = {"subject": {"entities": [{"id": "x"}]}, "notification": {"http": {"url": "nope"}}}
    expect_error(v2("POST", "/subscriptions", json=bad), 400, "BadRequest")


def test_notification_formats(v2: V2, receiver: Receiver, kind: str) -> None:
    sids = [
        _subscribe(v2, receiver, kind, notification={"attrsFormat": f})
        for f in ("normalized", "keyValues", "values")
    ]
    v2.create({"id": f"{kind}-1", "type": kind, "t": {"value": 5}})
    bodies = receiver.wait_for(3)
    by_sub = {b["subscriptionId"]: b["data"][0] for b in bodies}
    assert by_sub[sids[0]]["t"] == {"type": "Number", "value": 5, "metadata": {}}
    assert by_sub[sids[1]] == {"id": f"{kind}-1", "type": kind, "t": 5}
    assert by_sub[sids[2]] == [5]
    formats = {h["Ngsiv2-AttrsFormat"] for h in receiver.headers}
    assert formats == {"normalized", "keyValues", "values"}
    stats = v2("GET", f"/subscriptions/{sids[0]}").json()["notification"]
    assert stats["timesSent"] == 1 and stats["lastNotification"]


def test_conditions_and_states(v2: V2, receiver: Receiver, kind: str) -> None:
    _subscribe(
        v2,
        receiver,
        kind,
        subject={"condition": {"attrs": ["a"], "expression": {"q": "a>0"}}},
        notification={"attrs": ["a"]},
    )
    v2.create({"id": f"{kind}-1", "type": kind, "a": {"value": 0}, "b": {"value": 0}})
    v2("PATCH", f"/entities/{kind}-1/attrs", json={"b": {"value": 1}})
    v2("PATCH", f"/entities/{kind}-1/attrs", json={"a": {"value": 2}})
    bodies = receiver.wait_for(1)
    assert len(bodies) == 1 and set(bodies[0]["data"][0]) == {"id", "type", "a"}
    expired = _subscribe(v2, receiver, kind, expires="2000-01-01T00:00:00Z")
    assert v2("GET", f"/subscriptions/{expired}").json()["status"] == "expired"
    inactive = _subscribe(v2, receiver, kind, status="inactive", throttling=60)
    v2("PATCH", f"/entities/{kind}-1/attrs", json={"a": {"value": 3}})
    assert len(receiver.wait_for(2)) == 2  # only the first subscription notified
    assert v2("PATCH", f"/subscriptions/{inactive}", json={"status": "active"}).status_code == 204
    v2("PATCH", f"/entities/{kind}-1/attrs", json={"a": {"value": 4}})
    v2("PATCH", f"/entities/{kind}-1/attrs", json={"a": {"value": 5}})
    bodies = receiver.wait_for(5)
    assert [b["subscriptionId"] for b in bodies].count(inactive) == 1  # throttled
