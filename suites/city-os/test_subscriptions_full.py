"""Subscriptions in full (city-os 1.1): throttling, timeInterval, expiry, endpoint.accept,
receiverInfo, watchedAttributes with q, and updates carrying type.

Notifications that must not come are waited for a quiet period after a positive control.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from _builders import create, probe_entity, probe_type
from _subscriptions import WAIT, Body, read_subscription, sub_for, subscribe

from conform.http import Client
from conform.namespace import Namespace
from conform.suite import NotificationReceiver, expect_status, quiet_period
from conform.suite.receiver import Received

CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
PATIENCE = 15.0  # seconds for periodic notifications or an expiry to show


def _entity(client: Client, ns: Namespace, suffix: str, **values: Any) -> str:
    kind = probe_type(ns, suffix)
    attrs = {"temperature": 20, "humidity": 0.5, **values}
    return str(create(client, probe_entity(ns.entity_id(kind), kind, **attrs))["id"])


def _set(client: Client, eid: str, **values: Any) -> None:
    body = {k: {"type": "Property", "value": v} for k, v in values.items()}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=body), 204)


def _value(entity: Body, name: str) -> Any:
    v = entity.get(name)
    return v.get("value") if isinstance(v, dict) else v


def _of(sid: str, eid: str, **values: Any) -> Any:
    """A predicate: a notification of SID carrying EID with the given attribute values."""

    def pred(body: Body) -> bool:
        data = body.get("data")
        if not isinstance(data, list):
            return False
        return body.get("subscriptionId") == sid and any(
            isinstance(d, dict)
            and d.get("id") == eid
            and all(_value(d, k) == v for k, v in values.items())
            for d in data
        )

    return pred


def _received(receiver: NotificationReceiver, pred: Any) -> list[Received]:
    return [r for r in receiver.received if isinstance(r.body, dict) and pred(r.body)]


def _header(item: Received, name: str) -> str:
    return next((v for k, v in item.headers.items() if k.lower() == name.lower()), "")


@pytest.mark.req("SUB-023")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_throttling_holds_back_a_second_notification(client, ns, receiver):
    eid = _entity(client, ns, "T23")
    sid = subscribe(client, sub_for(ns, receiver, "T23", throttling=60))
    t0 = time.monotonic()
    _set(client, eid, temperature=25)
    # the first notification: of this change, or of the entity's creation when an asynchronous
    # broker processed that only after the subscription existed (then 25 is held back too)
    receiver.wait_for(_of(sid, eid), WAIT)
    _set(client, eid, temperature=26)
    time.sleep(quiet_period(time.monotonic() - t0))
    sent = _received(receiver, _of(sid, eid, temperature=26))
    assert not sent, "expected no notification within the throttling period, got one"


@pytest.mark.req("SUB-024")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_time_interval_notifies_periodically(client, ns, receiver):
    eid = _entity(client, ns, "T24")
    body = sub_for(ns, receiver, "T24", timeInterval=1)
    body.pop("watchedAttributes")
    sid = subscribe(client, body)
    deadline = time.monotonic() + PATIENCE
    while len(_received(receiver, _of(sid, eid))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    got = len(_received(receiver, _of(sid, eid)))
    assert got >= 2, f"expected periodic notifications without changes, got {got}"


def _server_now(client: Client) -> datetime:
    """The target's clock (its Date header; this machine's when it sends none)."""
    date = client.get("/subscriptions", params={"limit": "1"}).headers.get("Date")
    try:
        return parsedate_to_datetime(date).astimezone(UTC) if date else datetime.now(UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


@pytest.mark.req("SUB-025")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_subscription_expires(client, ns, receiver):
    eid = _entity(client, ns, "T25")
    soon = (_server_now(client) + timedelta(seconds=3)).isoformat(timespec="seconds")
    expiring = subscribe(
        client, sub_for(ns, receiver, "T25", expiresAt=soon.replace("+00:00", "Z"))
    )
    control = subscribe(client, sub_for(ns, receiver, "T25"))
    deadline = time.monotonic() + PATIENCE
    status = read_subscription(client, expiring).get("status")
    while status != "expired" and time.monotonic() < deadline:
        time.sleep(0.5)
        status = read_subscription(client, expiring).get("status")
    assert status == "expired", f"expected status expired after expiresAt, got {status!r}"
    t0 = time.monotonic()
    _set(client, eid, temperature=25)
    receiver.wait_for(_of(control, eid, temperature=25), WAIT)
    time.sleep(quiet_period(time.monotonic() - t0))
    # only the change made after expiry: one sent before it (say, for the entity's creation,
    # which an asynchronous broker may still be processing) was the subscription's to send
    sent = _received(receiver, _of(expiring, eid, temperature=25))
    assert not sent, f"expected no notification from the expired subscription, got {len(sent)}"


@pytest.mark.req("SUB-026")
def test_notifications_follow_endpoint_accept(client, ns, receiver):
    eid = _entity(client, ns, "T26")
    endpoint = {"uri": receiver.url, "accept": "application/ld+json"}
    as_ld = subscribe(client, sub_for(ns, receiver, "T26", notification={"endpoint": endpoint}))
    as_json = subscribe(client, sub_for(ns, receiver, "T26"))
    _set(client, eid, temperature=25)
    for sid in (as_ld, as_json):
        receiver.wait_for(_of(sid, eid, temperature=25), WAIT)
    (ld,) = _received(receiver, _of(as_ld, eid, temperature=25))[:1]
    media = _header(ld, "Content-Type").split(";")[0].strip()
    assert media == "application/ld+json", f"expected application/ld+json, got {media!r}"
    assert "@context" in ld.body, "expected an @context member in the JSON-LD notification"
    (plain,) = _received(receiver, _of(as_json, eid, temperature=25))[:1]
    media = _header(plain, "Content-Type").split(";")[0].strip()
    assert media == "application/json", f"expected application/json, got {media!r}"
    link = _header(plain, "Link")
    assert CONTEXT_REL in link, f"expected a context Link header, got {link!r}"


@pytest.mark.req("SUB-027")
def test_receiver_info_is_sent_as_headers(client, ns, receiver):
    eid = _entity(client, ns, "T27")
    info = [{"key": "X-Conform-Probe", "value": ns.run_id}]
    endpoint = {"uri": receiver.url, "accept": "application/json", "receiverInfo": info}
    sid = subscribe(client, sub_for(ns, receiver, "T27", notification={"endpoint": endpoint}))
    _set(client, eid, temperature=25)
    receiver.wait_for(_of(sid, eid, temperature=25), WAIT)
    (got,) = _received(receiver, _of(sid, eid, temperature=25))[:1]
    value = _header(got, "X-Conform-Probe")
    assert value == ns.run_id, f"expected header X-Conform-Probe {ns.run_id}, got {value!r}"


@pytest.mark.req("SUB-028")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_watched_attributes_and_q_both_hold(client, ns, receiver):
    eid = _entity(client, ns, "T28")
    sid = subscribe(client, sub_for(ns, receiver, "T28", q="humidity>0.8"))
    t0 = time.monotonic()
    _set(client, eid, temperature=25)  # watched, but q does not hold
    _set(client, eid, humidity=0.9)  # q holds now, but humidity is not watched
    _set(client, eid, temperature=26)  # watched and q holds: the positive control
    receiver.wait_for(_of(sid, eid, temperature=26), WAIT)
    time.sleep(quiet_period(time.monotonic() - t0))
    wrong = _received(receiver, _of(sid, eid, temperature=25))
    wrong += _received(receiver, _of(sid, eid, temperature=25, humidity=0.9))
    assert not wrong, (
        f"expected only the change satisfying q notified, got {str(wrong[0].body)[:160]}"
    )


@pytest.mark.req("SUB-029")
def test_update_carrying_type_is_accepted(client, ns, receiver):
    sid = subscribe(client, sub_for(ns, receiver, "T29"))
    patch = {"type": "Subscription", "subscriptionName": "conform renamed"}
    expect_status(client.patch(f"/subscriptions/{sid}", json=patch), 204)
    name = read_subscription(client, sid).get("subscriptionName")
    assert name == "conform renamed", f"expected subscriptionName changed, got {name!r}"
