"""Notifications: payload formats, header, conditions, throttling, states, statistics (SUB)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from _v2 import create, fresh_kind, none_for, notified, subscribe

from conform.suite import expect_status, quiet_period


def _room(client, ns, t, **attrs):
    return create(
        client,
        {"id": ns.entity_id("Room"), "type": t, **{k: {"value": v} for k, v in attrs.items()}},
    )


def _change(client, eid, **attrs):
    r = client.patch(f"/entities/{eid}/attrs", json={k: {"value": v} for k, v in attrs.items()})
    expect_status(r, 204)
    return time.monotonic()


@pytest.mark.req("SUB-008")
def test_normalized_notification(client, ns, receiver):
    t = fresh_kind(ns, "N")
    sid = subscribe(client, receiver, t)
    eid = _room(client, ns, t, temperature=21)
    body = notified(receiver, sid)[0]
    entity = body["data"][0]
    assert (entity.get("id"), entity.get("type")) == (eid, t), f"got {entity}"
    assert (
        entity["temperature"].get("value") == 21 and entity["temperature"].get("type") == "Number"
    )


@pytest.mark.req("SUB-009")
def test_key_values_notification(client, ns, receiver):
    t = fresh_kind(ns, "N")
    sid = subscribe(client, receiver, t, notification={"attrsFormat": "keyValues"})
    eid = _room(client, ns, t, temperature=21)
    assert notified(receiver, sid)[0]["data"][0] == {"id": eid, "type": t, "temperature": 21}


@pytest.mark.req("SUB-010")
def test_values_notification(client, ns, receiver):
    t = fresh_kind(ns, "N")
    sid = subscribe(
        client, receiver, t, notification={"attrsFormat": "values", "attrs": ["temperature"]}
    )
    _room(client, ns, t, temperature=21)
    assert notified(receiver, sid)[0]["data"][0] == [21]


@pytest.mark.req("SUB-011")
def test_attrs_format_header(client, ns, receiver):
    t = fresh_kind(ns, "N")
    sid = subscribe(client, receiver, t, notification={"attrsFormat": "keyValues"})
    _room(client, ns, t, temperature=21)
    notified(receiver, sid)
    headers = [
        r.headers
        for r in receiver.received
        if isinstance(r.body, dict) and r.body.get("subscriptionId") == sid
    ]
    values = [{k.lower(): v for k, v in h.items()}.get("ngsiv2-attrsformat") for h in headers]
    assert values and all(v == "keyValues" for v in values), f"Ngsiv2-AttrsFormat: got {values}"


@pytest.mark.req("SUB-012")
def test_condition_attrs(client, ns, receiver):
    t = fresh_kind(ns, "N")
    eid = _room(client, ns, t, a=0, b=0)
    watched = subscribe(client, receiver, t, subject={"condition": {"attrs": ["a"]}})
    control = subscribe(client, receiver, t)
    none_for(receiver, watched, control, _change(client, eid, b=1))
    _change(client, eid, a=1)
    notified(receiver, watched)


@pytest.mark.req("SUB-013")
def test_notification_attrs(client, ns, receiver):
    t = fresh_kind(ns, "N")
    sid = subscribe(client, receiver, t, notification={"attrs": ["a"]})
    _room(client, ns, t, a=1, b=2)
    entity = notified(receiver, sid)[0]["data"][0]
    assert sorted(entity) == ["a", "id", "type"], f"got members {sorted(entity)}"


@pytest.mark.req("SUB-014")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_throttling(client, ns, receiver):
    t = fresh_kind(ns, "N")
    eid = _room(client, ns, t, a=0)
    throttled = subscribe(client, receiver, t, throttling=60)
    _change(client, eid, a=1)
    notified(receiver, throttled)
    control = subscribe(client, receiver, t)
    started = _change(client, eid, a=2)
    notified(receiver, control)
    latency = time.monotonic() - started
    time.sleep(quiet_period(latency))
    count = sum(
        1
        for r in receiver.received
        if isinstance(r.body, dict) and r.body.get("subscriptionId") == throttled
    )
    assert count == 1, f"expected 1 notification within the throttling period, got {count}"


@pytest.mark.req("SUB-015")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_expired_subscription(client, ns, receiver):
    t = fresh_kind(ns, "N")
    eid = _room(client, ns, t, a=0)
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    expired = subscribe(client, receiver, t, expires=past)
    r = client.get(f"/subscriptions/{expired}")
    expect_status(r, 200)
    assert r.json().get("status") == "expired", f"status: got {r.json().get('status')}"
    control = subscribe(client, receiver, t)
    none_for(receiver, expired, control, _change(client, eid, a=1))


@pytest.mark.req("SUB-016")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_inactive_subscription(client, ns, receiver):
    t = fresh_kind(ns, "N")
    eid = _room(client, ns, t, a=0)
    inactive = subscribe(client, receiver, t, status="inactive")
    control = subscribe(client, receiver, t)
    none_for(receiver, inactive, control, _change(client, eid, a=1))
    expect_status(client.patch(f"/subscriptions/{inactive}", json={"status": "active"}), 204)
    _change(client, eid, a=2)
    notified(receiver, inactive)


@pytest.mark.req("SUB-017")
def test_statistics(client, ns, receiver):
    t = fresh_kind(ns, "N")
    sid = subscribe(client, receiver, t)
    _room(client, ns, t, a=0)
    notified(receiver, sid)
    # a broker counts a notification once its delivery is done (Orion: after the receiver's
    # answer, in the sending thread): the statistics may lag the delivery by a moment
    deadline = time.monotonic() + 5.0
    while True:
        r = client.get(f"/subscriptions/{sid}")
        expect_status(r, 200)
        stats = r.json().get("notification", {})
        counted = stats.get("timesSent", 0) >= 1 and stats.get("lastNotification")
        if counted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert counted, f"got {stats}"


@pytest.mark.req("SUB-018")
def test_condition_expression(client, ns, receiver):
    t = fresh_kind(ns, "N")
    eid = _room(client, ns, t, a=0)
    filtered = subscribe(client, receiver, t, subject={"condition": {"expression": {"q": "a>5"}}})
    control = subscribe(client, receiver, t)
    none_for(receiver, filtered, control, _change(client, eid, a=1))
    _change(client, eid, a=10)
    notified(receiver, filtered)


@pytest.mark.req("SUB-019")
def test_subject_id_pattern(client, ns, receiver):
    t = fresh_kind(ns, "N")
    one, two = _room(client, ns, t, a=0), _room(client, ns, t, a=0)
    pattern = subscribe(
        client, receiver, t, subject={"entities": [{"idPattern": f"^{one}$", "type": t}]}
    )
    control = subscribe(client, receiver, t)
    none_for(receiver, pattern, control, _change(client, two, a=1))
    _change(client, one, a=1)
    assert notified(receiver, pattern)[0]["data"][0]["id"] == one
