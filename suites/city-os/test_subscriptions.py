"""Subscriptions: lifecycle, validation, query paging, notifications and their statistics."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from _builders import create, get_link, link_rels, probe_entity, probe_type, subscription

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.suite import NotificationReceiver, expect_header, expect_problem, expect_status

WAIT = 5.0  # seconds a notification may take
QUIET = 1.5  # seconds to wait for a notification that must not come, after a positive control
PAGE = 100
Body = dict[str, Any]


def _sub(ns: Namespace, receiver: NotificationReceiver, suffix: str, **members: Any) -> Body:
    """A subscription on the run-unique type of SUFFIX, notifying RECEIVER."""
    return subscription(ns.subscription_id(), probe_type(ns, suffix), receiver.url, **members)


def _subscribe(client: Client, body: Body) -> str:
    expect_status(client.post("/subscriptions", json=body), 201)
    return str(body["id"])


def _get(client: Client, sid: str) -> Body:
    r = client.get(f"/subscriptions/{sid}")
    expect_status(r, 200)
    body = r.json()
    assert isinstance(body, dict), f"expected a subscription object, got {r.text[:120]!r}"
    return body


def _is_datetime(value: object) -> bool:
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return isinstance(value, str) and "T" in value


# --- lifecycle and validation ---------------------------------------------------------------


@pytest.mark.req("SUB-001")
def test_create_answers_201_with_location(client, ns, receiver):
    body = _sub(ns, receiver, "S")
    r = client.post("/subscriptions", json=body)
    expect_status(r, 201)
    location = unquote(urlsplit(expect_header(r, "Location")).path)
    assert location == f"/ngsi-ld/v1/subscriptions/{body['id']}", (
        f"expected Location /ngsi-ld/v1/subscriptions/{body['id']}, got {location!r}"
    )


@pytest.mark.req("SUB-002")
def test_retrieve_returns_what_was_created(client, ns, receiver):
    body = _sub(ns, receiver, "S", q="temperature>30")
    got = _get(client, _subscribe(client, body))
    for name in ("id", "type", "entities", "watchedAttributes", "q"):
        assert got.get(name) == body[name], f"expected {name} {body[name]!r}, got {got.get(name)!r}"
    uri = ((got.get("notification") or {}).get("endpoint") or {}).get("uri")
    assert uri == receiver.url, f"expected notification.endpoint.uri {receiver.url}, got {uri!r}"


@pytest.mark.req("SUB-003")
@pytest.mark.read_only
def test_retrieve_unknown_is_404(client, ns):
    expect_problem(client.get(f"/subscriptions/{ns.subscription_id()}"), 404, "ResourceNotFound")


@pytest.mark.req("SUB-004")
def test_create_with_existing_id_is_409(client, ns, receiver):
    body = _sub(ns, receiver, "S")
    _subscribe(client, body)
    expect_problem(client.post("/subscriptions", json=body), 409, "AlreadyExists")


@pytest.mark.req("SUB-005")
@pytest.mark.parametrize("endpoint", ["absent", "null"])
def test_subscription_without_endpoint_is_400(client, ns, receiver, endpoint):
    body = _sub(ns, receiver, "S")
    if endpoint == "absent":
        del body["notification"]["endpoint"]
    else:
        body["notification"]["endpoint"] = None
    expect_problem(client.post("/subscriptions", json=body), 400, "BadRequestData")


@pytest.mark.req("SUB-006")
def test_past_expires_at_is_400(client, ns, receiver):
    past = "2020-01-01T00:00:00Z"
    body = _sub(ns, receiver, "S", expiresAt=past)
    expect_problem(client.post("/subscriptions", json=body), 400, "BadRequestData")
    sid = _subscribe(client, _sub(ns, receiver, "S"))
    r = client.patch(f"/subscriptions/{sid}", json={"expiresAt": past})
    expect_problem(r, 400, "BadRequestData")


@pytest.mark.req("SUB-007")
def test_subscription_without_selection_is_400(client, ns, receiver):
    body = _sub(ns, receiver, "S")
    del body["entities"], body["watchedAttributes"]
    expect_problem(client.post("/subscriptions", json=body), 400, "BadRequestData")


_BAD_ID_READ = pytest.param("GET", marks=pytest.mark.read_only)


@pytest.mark.req("SUB-008")
@pytest.mark.parametrize("method", [_BAD_ID_READ, "PATCH", "DELETE"])
def test_malformed_id_in_path_is_400(client, ns, method):
    bad = f"{ns.prefix}not-a-uri"  # no scheme: not a URI, yet inside the run's namespace
    body = {"description": "x"} if method == "PATCH" else None
    kw = {"json": body} if body else {}
    expect_problem(client.request(method, f"/subscriptions/{bad}", **kw), 400, "BadRequestData")


@pytest.mark.req("SUB-009")
def test_new_subscription_is_active(client, ns, receiver):
    got = _get(client, _subscribe(client, _sub(ns, receiver, "S")))
    assert got.get("status") == "active", f"expected status active, got {got.get('status')!r}"


@pytest.mark.req("SUB-010")
def test_server_adds_no_is_active(client, ns, receiver):
    got = _get(client, _subscribe(client, _sub(ns, receiver, "S")))
    assert "isActive" not in got, f"expected no isActive member, got {got.get('isActive')!r}"


@pytest.mark.req("SUB-013")
def test_update_answers_204_and_shows(client, ns, receiver):
    sid = _subscribe(client, _sub(ns, receiver, "S"))
    patch = {"watchedAttributes": ["humidity"], "q": "humidity>0.9"}
    expect_status(client.patch(f"/subscriptions/{sid}", json=patch), 204)
    got = _get(client, sid)
    for name, value in patch.items():
        assert got.get(name) == value, f"expected {name} {value!r}, got {got.get(name)!r}"


@pytest.mark.req("SUB-014")
def test_update_unknown_is_404(client, ns):
    r = client.patch(f"/subscriptions/{ns.subscription_id()}", json={"description": "x"})
    expect_problem(r, 404, "ResourceNotFound")


@pytest.mark.req("SUB-015")
def test_delete_answers_204_and_removes(client, ns, receiver):
    sid = _subscribe(client, _sub(ns, receiver, "S"))
    expect_status(client.delete(f"/subscriptions/{sid}"), 204)
    expect_status(client.get(f"/subscriptions/{sid}"), 404)


@pytest.mark.req("SUB-016")
def test_delete_unknown_is_404(client, ns):
    r = client.delete(f"/subscriptions/{ns.subscription_id()}")
    expect_problem(r, 404, "ResourceNotFound")


# --- query and paging -----------------------------------------------------------------------


def _page(client: Client, **params: str) -> tuple[Response, list[str]]:
    r = client.get("/subscriptions", params=params)
    expect_status(r, 200)
    items = r.json()
    assert isinstance(items, list), f"expected a JSON array, got {r.text[:120]!r}"
    limit = int(params.get("limit", len(items)))
    assert len(items) <= limit, f"expected at most {limit} items, got {len(items)}"
    return r, [i.get("id") if isinstance(i, dict) else i for i in items]


def _all_ids(client: Client) -> list[str]:
    """Every subscription id the target lists, page by page."""
    ids: list[str] = []
    for page in range(100):  # bounded: at most 10,000 subscriptions
        _, items = _page(client, limit=str(PAGE), offset=str(page * PAGE))
        ids += items
        if len(items) < PAGE:
            return ids
    raise RuntimeError(f"more than {len(ids)} subscriptions: too many to page through")


def _three(client: Client, ns: Namespace, receiver: NotificationReceiver) -> list[str]:
    return [_subscribe(client, _sub(ns, receiver, "Q")) for _ in range(3)]


@pytest.mark.req("SUB-011")
def test_query_pages_with_limit_offset_and_next(client, ns, receiver):
    mine = _three(client, ns, receiver)
    r, _ = _page(client, limit="1")
    assert "next" in link_rels(r), (
        f'expected Link rel="next" (3+ exist), got {r.headers.get("Link")!r}'
    )
    listed = _all_ids(client)
    assert len(listed) == len(set(listed)), "expected every subscription once across pages"
    missing = [s for s in mine if s not in listed]
    assert not missing, f"expected {missing[0]} in the paged listing, got it on no page"
    at = listed.index(mine[0])
    r, items = _page(client, limit="1", offset=str(at))
    assert items == [mine[0]], f"expected [{mine[0]}] at offset {at}, got {items}"
    if at + 1 < len(listed):
        nxt = link_rels(r).get("next")
        assert nxt, f'expected Link rel="next" at offset {at}, got {r.headers.get("Link")!r}'
        following = get_link(client, nxt)
        expect_status(following, 200)
        got = [i.get("id") for i in following.json()]
        assert got == [listed[at + 1]], f"expected [{listed[at + 1]}] after next, got {got}"


@pytest.mark.req("SUB-012")
def test_query_count_is_total(client, ns, receiver):
    _three(client, ns, receiver)

    def count() -> int:
        r, _ = _page(client, limit="1", count="true")
        return int(expect_header(r, "NGSILD-Results-Count", re.compile(r"\d+")))

    # a live system's other clients may add or remove subscriptions meanwhile: compare only
    # when the count held still around the listing, else we could not test (error, not failed)
    for _ in range(3):
        before, total, after = count(), len(_all_ids(client)), count()
        if before == after:
            break
    else:
        raise RuntimeError("the number of subscriptions kept changing while being listed")
    assert before == total, f"expected NGSILD-Results-Count {total}, got {before}"


# --- notifications --------------------------------------------------------------------------


def _value(entity: Body, name: str) -> Any:
    v = entity.get(name)
    return v.get("value") if isinstance(v, dict) else v


def _about(sid: str, eid: str, test: Callable[[Body], bool] = lambda _: True):
    """A predicate: a notification of SID whose data holds EID passing TEST."""

    def pred(body: Body) -> bool:
        data = body.get("data") if isinstance(body.get("data"), list) else []
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
    sid = _subscribe(client, _sub(ns, receiver, "N17"))
    _set(client, eid, temperature=25)
    note = receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)[0]
    assert re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", str(note.get("id"))), (
        f"expected a URI id, got {note.get('id')!r}"
    )
    assert note.get("type") == "Notification", (
        f"expected type Notification, got {note.get('type')!r}"
    )
    assert _is_datetime(note.get("notifiedAt")), (
        f"expected notifiedAt date-time, got {note.get('notifiedAt')!r}"
    )


@pytest.mark.req("SUB-018")
def test_unselected_changes_are_not_notified(client, ns, receiver):
    eid, other = _watched(client, ns, "N18"), _watched(client, ns, "N18")
    sid = _subscribe(
        client, _sub(ns, receiver, "N18", entities=[{"type": probe_type(ns, "N18"), "id": eid}])
    )
    _set(client, other, temperature=26)  # entity not selected
    _set(client, eid, humidity=0.99)  # attribute not watched
    _set(client, eid, temperature=25)  # positive control: proves delivery works
    receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)
    time.sleep(QUIET)  # bounded wait for notifications that must not come
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
    body = _sub(ns, receiver, "N19", notification={"attributes": ["temperature"]})
    sid = _subscribe(client, body)
    _set(client, eid, temperature=25)
    entity = _entity_in(receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)[0], eid)
    attrs = set(entity) - {"id", "type", "@context", "scope"}
    assert attrs == {"temperature"}, f"expected only attribute temperature, got {sorted(attrs)}"


@pytest.mark.req("SUB-020")
def test_notification_key_values_format(client, ns, receiver):
    eid = _watched(client, ns, "N20")
    sid = _subscribe(client, _sub(ns, receiver, "N20", notification={"format": "keyValues"}))
    _set(client, eid, temperature=25)
    entity = _entity_in(receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)[0], eid)
    for name in ("temperature", "humidity"):
        assert not isinstance(entity.get(name), dict), (
            f"expected {name} as a bare key-value, got {entity.get(name)!r}"
        )


@pytest.mark.req("SUB-021")
def test_statistics_after_notification(client, ns, receiver):
    eid = _watched(client, ns, "N21")
    sid = _subscribe(client, _sub(ns, receiver, "N21"))
    _set(client, eid, temperature=25)
    receiver.wait_for(_about(sid, eid, _temperature(25)), WAIT)
    deadline = time.monotonic() + WAIT  # the target records the delivery after it answered
    while True:
        params = _get(client, sid).get("notification") or {}
        if params.get("lastSuccess") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    sent = params.get("timesSent")
    assert isinstance(sent, int) and sent >= 1, f"expected timesSent >= 1, got {sent!r}"
    for name in ("lastNotification", "lastSuccess"):
        assert _is_datetime(params.get(name)), (
            f"expected {name} date-time, got {params.get(name)!r}"
        )
    assert params.get("status") == "ok", (
        f"expected notification.status ok, got {params.get('status')!r}"
    )


@pytest.mark.req("SUB-022")
def test_paused_subscription_is_silent(client, ns, receiver):
    eid = _watched(client, ns, "N22")
    paused = _subscribe(client, _sub(ns, receiver, "N22", isActive=False))
    control = _subscribe(client, _sub(ns, receiver, "N22"))
    status = _get(client, paused).get("status")
    assert status == "paused", f"expected status paused, got {status!r}"
    _set(client, eid, temperature=25)
    receiver.wait_for(_about(control, eid, _temperature(25)), WAIT)
    time.sleep(QUIET)
    sent = [
        b
        for b in receiver.received
        if isinstance(b.body, dict) and b.body.get("subscriptionId") == paused
    ]
    assert not sent, f"expected no notification from the paused subscription, got {len(sent)}"
