"""Temporal evolution (TMP-001..011): /temporal/entities create, extend, append, retrieve, query,
timerel/timeAt/endTimeAt, lastN, temporalValues, pagination, delete.

Instances are observed on whole hours of one day; every timeAt a test sends lies half an hour
away from any instance, so inclusive and exclusive bounds give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from _builders import expect_problem_any, get_link, link_rels, probe_type

from conform.suite import expect_status
from conform.suite.expect import shape_of

HOURS = (1, 2, 3, 4, 5)
PATH = "/temporal/entities"


def at(hour: float) -> str:
    """An observedAt/timeAt on the test day: whole hours, or half past for hour + 0.5."""
    minutes = round((hour % 1) * 60)
    return f"2026-01-01T{int(hour):02d}:{minutes:02d}:00Z"


def instances(name_hours: dict[str, tuple[int, ...]]) -> dict[str, list[dict[str, Any]]]:
    """Attribute -> Property instances; the value of the instance at hour h is 10 * h."""
    return {
        name: [{"type": "Property", "value": 10 * h, "observedAt": at(h)} for h in hours]
        for name, hours in name_hours.items()
    }


def temporal_entity(eid: str, type_: str, **name_hours: tuple[int, ...]) -> dict[str, Any]:
    return {"id": eid, "type": type_, **instances(name_hours)}


@contextmanager
def stored(client, bodies: list[dict[str, Any]]) -> Iterator[None]:
    """The temporal representations exist inside the block and are deleted after it."""
    for body in bodies:
        r = client.post(PATH, json=body)
        expect_status(r, 201, 204)
    yield
    for body in bodies:
        client.delete(f"{PATH}/{body['id']}")


def observed(r, name: str) -> dict[str, Any]:
    """observedAt -> value of every instance of attribute NAME in a temporal response body."""
    expect_status(r, 200)
    body = r.json()
    assert isinstance(body, dict), f"expected a temporal entity object, got {shape_of(body)}"
    return _observed(body, name, r.exchange_id)


def _observed(body: dict[str, Any], name: str, exchange: str) -> dict[str, Any]:
    items = body.get(name, [])
    items = items if isinstance(items, list) else [items]
    odd = next((i for i in items if not isinstance(i, dict) or "observedAt" not in i), None)
    assert odd is None, f"expected instances with observedAt in {name!r}, got {odd!r} [{exchange}]"
    return {i["observedAt"]: i.get("value") for i in items}


def _expect_hours(got: dict[str, Any], hours: tuple[int, ...], what: str) -> None:
    want = {at(h): 10 * h for h in hours}
    assert _normalized(got) == want, (
        f"expected instances at hours {list(hours)} for {what}, got {got}"
    )


def _normalized(got: dict[str, Any]) -> dict[str, Any]:
    """observedAt keys written like `at` when they name the same UTC instant: a DateTime may
    carry fractional seconds, and UTC is Z or +00:00 (ISO 8601, RFC 3339 5.6); others stay."""
    return {_instant(k): v for k, v in got.items()}


def _instant(text: Any) -> Any:
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return text
    if when.utcoffset() != timedelta(0):  # no offset, or not UTC
        return text
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{when.microsecond:06d}Z" if when.microsecond else "Z"
    )


@pytest.fixture(scope="module")
def history(conform_context) -> Iterator[dict[str, Any]]:
    """One temporal entity: `speed` observed at 01:00..05:00 (values 10..50)."""
    ns = conform_context.namespace
    body = temporal_entity(ns.entity_id(probe_type(ns, "H")), probe_type(ns, "H"), speed=HOURS)
    with stored(conform_context.client, [body]):
        yield body


@pytest.mark.req("TMP-001")
def test_create_answers_201_with_location(client, ns):
    body = temporal_entity(ns.entity_id(probe_type(ns, "C")), probe_type(ns, "C"), speed=(1, 2))
    r = client.post(PATH, json=body)
    try:
        expect_status(r, 201)
        location = r.headers.get("Location") or ""
        want = f"/ngsi-ld/v1/temporal/entities/{body['id']}"
        assert unquote(urlsplit(location).path) == want, (
            f"expected Location path {want}, got {location!r} [{r.exchange_id}]"
        )
    finally:
        client.delete(f"{PATH}/{body['id']}")


@pytest.mark.req("TMP-002")
def test_retrieve_returns_every_instance(client, history):
    r = client.get(f"{PATH}/{history['id']}")
    got = observed(r, "speed")
    body = r.json()
    assert body.get("id") == history["id"] and body.get("type") == history["type"], (
        f"expected id {history['id']} and type {history['type']}, got {body.get('id')!r}, "
        f"{body.get('type')!r} [{r.exchange_id}]"
    )
    _expect_hours(got, HOURS, "GET without a temporal query")


@pytest.mark.req("TMP-003")
def test_posting_again_adds_instances(client, ns):
    eid, type_ = ns.entity_id(probe_type(ns, "U")), probe_type(ns, "U")
    with stored(client, [temporal_entity(eid, type_, speed=(1, 2))]):
        r = client.post(PATH, json=temporal_entity(eid, type_, speed=(3,)))
        expect_status(r, 204, 201)
        _expect_hours(observed(client.get(f"{PATH}/{eid}"), "speed"), (1, 2, 3), "after a 2nd POST")


@pytest.mark.req("TMP-004")
def test_append_adds_attribute_instances(client, ns):
    eid, type_ = ns.entity_id(probe_type(ns, "A")), probe_type(ns, "A")
    with stored(client, [temporal_entity(eid, type_, speed=(1,))]):
        r = client.post(f"{PATH}/{eid}/attrs", json=instances({"humidity": (2, 3)}))
        expect_status(r, 204)
        got = observed(client.get(f"{PATH}/{eid}"), "humidity")
        _expect_hours(got, (2, 3), "humidity after the append")
    r = client.post(f"{PATH}/{ns.entity_id(type_)}/attrs", json=instances({"humidity": (2,)}))
    expect_problem_any(r, 404, ("ResourceNotFound",))


@pytest.mark.req("TMP-005")
@pytest.mark.parametrize(
    ("params", "hours"),
    [
        ({"timerel": "before", "timeAt": at(2.5)}, (1, 2)),
        ({"timerel": "after", "timeAt": at(3.5)}, (4, 5)),
        ({"timerel": "between", "timeAt": at(1.5), "endTimeAt": at(4.5)}, (2, 3, 4)),
    ],
    ids=["before", "after", "between"],
)
def test_timerel_selects_instances(client, history, params, hours):
    r = client.get(f"{PATH}/{history['id']}", params=params)
    _expect_hours(observed(r, "speed"), hours, f"timerel={params['timerel']}")


@pytest.mark.req("TMP-006")
def test_last_n_returns_the_latest(client, history):
    r = client.get(f"{PATH}/{history['id']}", params={"lastN": "2"})
    _expect_hours(observed(r, "speed"), (4, 5), "lastN=2")


@pytest.mark.req("TMP-007")
def test_temporal_values_are_pairs(client, history):
    r = client.get(f"{PATH}/{history['id']}", params={"options": "temporalValues"})
    expect_status(r, 200)
    speed = r.json().get("speed") if isinstance(r.json(), dict) else None
    assert isinstance(speed, dict) and speed.get("type") == "Property", (
        f"expected speed as an object of type Property, got {str(speed)[:120]} [{r.exchange_id}]"
    )
    pairs = speed.get("values")
    assert isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 for p in pairs), (
        f"expected values as [value, observedAt] pairs, got {str(pairs)[:120]} [{r.exchange_id}]"
    )
    _expect_hours({t: v for v, t in pairs}, HOURS, "options=temporalValues")


@pytest.fixture(scope="module")
def fleet(conform_context) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Three temporal entities of one type (speed at 01:00..05:00) and one of another type."""
    ns = conform_context.namespace
    type_, other = probe_type(ns, "Q"), probe_type(ns, "P")
    mine = [temporal_entity(ns.entity_id(type_), type_, speed=HOURS) for _ in range(3)]
    bodies = [*mine, temporal_entity(ns.entity_id(other), other, speed=HOURS)]
    with stored(conform_context.client, bodies):
        yield type_, mine


def _entities(r) -> list[dict[str, Any]]:
    expect_status(r, 200)
    body = r.json()
    assert isinstance(body, list) and all(isinstance(e, dict) for e in body), (
        f"expected an array of temporal entities, got {shape_of(body)} [{r.exchange_id}]"
    )
    return body


@pytest.mark.req("TMP-008")
def test_query_selects_entities_and_instances(client, fleet):
    type_, mine = fleet
    r = client.get(PATH, params={"type": type_, "timerel": "after", "timeAt": at(3.5)})
    found = _entities(r)
    got = sorted(str(e.get("id")) for e in found)
    assert got == sorted(e["id"] for e in mine), (
        f"expected the {len(mine)} entities of type {type_}, got {got} [{r.exchange_id}]"
    )
    for entity in found:
        _expect_hours(_observed(entity, "speed", r.exchange_id), (4, 5), f"{entity['id']}")


@pytest.mark.req("TMP-009")
def test_query_is_paginated(client, fleet):
    type_, mine = fleet
    params = {"type": type_, "timerel": "after", "timeAt": at(0.5), "limit": "1", "count": "true"}
    r = client.get(PATH, params=params)
    first = _entities(r)
    assert len(first) == 1, f"expected 1 entity with limit=1, got {len(first)} [{r.exchange_id}]"
    count = r.headers.get("NGSILD-Results-Count")
    assert count == str(len(mine)), (
        f"expected NGSILD-Results-Count {len(mine)}, got {count!r} [{r.exchange_id}]"
    )
    following = link_rels(r).get("next")
    assert following, f"expected a Link rel=next, got {r.headers.get('Link')!r} [{r.exchange_id}]"
    r2 = get_link(client, following)
    second = _entities(r2)
    assert len(second) == 1 and second[0].get("id") != first[0].get("id"), (
        f"expected the next entity on the next page, got {[e.get('id') for e in second]} "
        f"[{r2.exchange_id}]"
    )


BAD_TEMPORAL = {
    "unknown timerel": {"timerel": "during", "timeAt": at(2)},
    "between without endTimeAt": {"timerel": "between", "timeAt": at(2)},
    "timeAt not a DateTime": {"timerel": "after", "timeAt": "yesterday"},
    "lastN zero": {"timerel": "after", "timeAt": at(2), "lastN": "0"},
}


@pytest.mark.req("TMP-010")
@pytest.mark.parametrize("case", sorted(BAD_TEMPORAL))
def test_invalid_temporal_query_is_400(client, ns, case):
    r = client.get(PATH, params={"type": probe_type(ns, "Q"), **BAD_TEMPORAL[case]})
    expect_problem_any(r, 400, ("BadRequestData",))


@pytest.mark.req("TMP-011")
def test_delete_removes_the_history(client, ns):
    eid, type_ = ns.entity_id(probe_type(ns, "D")), probe_type(ns, "D")
    r = client.post(PATH, json=temporal_entity(eid, type_, speed=(1,)))
    expect_status(r, 201)
    expect_status(client.delete(f"{PATH}/{eid}"), 204)
    expect_problem_any(client.get(f"{PATH}/{eid}"), 404, ("ResourceNotFound",))
    expect_problem_any(client.delete(f"{PATH}/{eid}"), 404, ("ResourceNotFound",))
