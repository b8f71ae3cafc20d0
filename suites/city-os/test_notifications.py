"""Subscriptions: notifications, what they carry, and their statistics."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from _builders import create, probe_entity, probe_type
from _subscriptions import (
    WAIT,
    Body,
    is_datetime,
    read_subscription,
    sub_for,
    subscribe,
)

from conform.http import Client
from conform.namespace import Namespace
from conform.suite import expect_status, quiet_period, requires

# --- notifications --------------------------------------------------------------------------


def _value(entity: Body, name: str) -> Any:
    v = entity.get(name)
    return v.get("value") if isinstance(v, dict) else v


def _about(sid: str, eid: str, test: Callable[[Body], bool] = lambda _: True):
    """A predicate: a notification of SID whose data holds EID passing TEST."""

    def pred(body: Body) -> bool:
        data = body.get("data")
        data = data if isinstance(data, list) else []
        hits = [d for d in data if isinstance(d, dict) and d.get("id") == eid and test(d)]
        return body.get("subscriptionId") == sid and bool(hits)

    return pred


def _entity_in(note: Body, eid: str) -> Body:
    return next(d for d in note["data"] if isinstance(d, dict) and d.get("id") == eid)


def _watched(client: Client, ns: Namespace, suffix: str, **values: Any) -> str:
    """A new entity of the run-unique type of SUFFIX with temperature 20 and humidity 0.5."""
    attrs = {"temperature": 20, "humidity": 0.5, **values}
    return str(
        create(
            client,
            probe_entity(ns.entity_id(probe_type(ns, suffix)), probe_type(ns, suffix), **attrs),
        )["id"]
    )


def _set(client: Client, eid: str, **values: Any) -> None:
    body = {k: {"type": "Property", "value": v} for k, v in values.items()}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=body), 204)


def _temperature(value: float) -> Callable[[Body], bool]:
    return lambda d: _value(d, "temperature") == value


@pytest.mark.req("SUB-017")
def test_change_is_notified(client, ns, receiver):
    eid = _watched(client, ns, "N17")
    sid = subscribe(client, sub_for(ns, receiver, "N17"))
    _set(client, eid, temperature=25)
    note = receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)[0]
    assert re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", str(note.get("id"))), (
        f"expected a URI id, got {note.get('id')!r}"
    )
    assert note.get("type") == "Notification", (
        f"expected type Notification, got {note.get('type')!r}"
    )
    assert is_datetime(note.get("notifiedAt")), (
        f"expected notifiedAt date-time, got {note.get('notifiedAt')!r}"
    )


@pytest.mark.req("SUB-018")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_unselected_changes_are_not_notified(client, ns, receiver):
    eid, other = _watched(client, ns, "N18"), _watched(client, ns, "N18")
    sid = subscribe(
        client, sub_for(ns, receiver, "N18", entities=[{"type": probe_type(ns, "N18"), "id": eid}])
    )
    _set(client, other, temperature=26)  # entity not selected
    _set(client, eid, humidity=0.99)  # attribute not watched
    t0 = time.monotonic()
    _set(client, eid, temperature=25)  # positive control: proves delivery works
    with requires("SUB-017"):  # the positive control: a notification at all
        receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)
    time.sleep(quiet_period(time.monotonic() - t0))  # for notifications that must not come
    wrong = [
        b
        for b in receiver.received
        if isinstance(b.body, dict)
        and (
            _about(sid, other)(b.body)
            or (
                _about(sid, eid, _temperature(20))(b.body)
                and _about(sid, eid, lambda d: _value(d, "humidity") == 0.99)(b.body)
            )
        )
    ]
    assert not wrong, (
        f"expected no notification for unselected changes, got {str(wrong[0].body)[:160]}"
    )


@pytest.mark.req("SUB-019")
def test_notification_attributes_are_honoured(client, ns, receiver):
    eid = _watched(client, ns, "N19")
    body = sub_for(ns, receiver, "N19", notification={"attributes": ["temperature"]})
    sid = subscribe(client, body)
    _set(client, eid, temperature=25)
    with requires("SUB-017"):  # the positive control: a notification at all
        note = receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)[0]
    entity = _entity_in(note, eid)
    attrs = set(entity) - {"id", "type", "@context", "scope"}
    assert attrs == {"temperature"}, f"expected only attribute temperature, got {sorted(attrs)}"


@pytest.mark.req("SUB-020")
def test_notification_key_values_format(client, ns, receiver):
    eid = _watched(client, ns, "N20")
    sid = subscribe(client, sub_for(ns, receiver, "N20", notification={"format": "keyValues"}))
    _set(client, eid, temperature=25)
    with requires("SUB-017"):  # the positive control: a notification at all
        note = receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)[0]
    entity = _entity_in(note, eid)
    for name in ("temperature", "humidity"):
        assert not isinstance(entity.get(name), dict), (
            f"expected {name} as a bare key-value, got {entity.get(name)!r}"
        )


@pytest.mark.req("SUB-021")
def test_statistics_after_notification(client, ns, receiver):
    eid = _watched(client, ns, "N21")
    sid = subscribe(client, sub_for(ns, receiver, "N21"))
    _set(client, eid, temperature=25)
    with requires("SUB-017"):  # the positive control: a notification at all
        receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)
    deadline = time.monotonic() + WAIT  # the target records the delivery after it answered
    while True:
        params = read_subscription(client, sid).get("notification") or {}
        if params.get("lastSuccess") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    sent = params.get("timesSent")  # a JSON number (CIM 009 5.2.14): 1 and 1.0 alike
    number = isinstance(sent, int | float) and not isinstance(sent, bool)
    assert number and sent >= 1, f"expected timesSent >= 1, got {sent!r}"
    for name in ("lastNotification", "lastSuccess"):
        assert is_datetime(params.get(name)), f"expected {name} date-time, got {params.get(name)!r}"
    assert params.get("status") == "ok", (
        f"expected notification.status ok, got {params.get('status')!r}"
    )


@pytest.mark.req("SUB-022")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_paused_subscription_is_silent(client, ns, receiver):
    eid = _watched(client, ns, "N22")
    paused = subscribe(client, sub_for(ns, receiver, "N22", isActive=False))
    control = subscribe(client, sub_for(ns, receiver, "N22"))
    status = read_subscription(client, paused).get("status")
    assert status == "paused", f"expected status paused, got {status!r}"
    t0 = time.monotonic()
    _set(client, eid, temperature=25)
    with requires("SUB-017"):  # the positive control: a notification at all
        receiver.wait_for(_about(control, eid, _temperature(25)), WAIT)
    time.sleep(quiet_period(time.monotonic() - t0))
    sent = [
        b
        for b in receiver.received
        if isinstance(b.body, dict) and b.body.get("subscriptionId") == paused
    ]
    assert not sent, f"expected no notification from the paused subscription, got {len(sent)}"
