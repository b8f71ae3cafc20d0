"""Shared payload builders for the city-OS suites: run-unique types, attributes, model samples.

Both suite engineers append to this module; existing functions are not rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.suite import expect_problem, expect_status
from conform.suite.expect import ERROR_TYPE_PREFIX

Entity = dict[str, Any]


def probe_type(ns: Namespace, suffix: str = "") -> str:
    """A run-unique entity type, so vendor data can never change a query's result."""
    return f"ConformProbe{ns.run_id}{suffix}"


def prop(value: Any, **members: Any) -> dict[str, Any]:
    """A normalized Property."""
    return {"type": "Property", "value": value, **members}


def rel(target: str, **members: Any) -> dict[str, Any]:
    """A normalized Relationship."""
    return {"type": "Relationship", "object": target, **members}


def geo(geometry: dict[str, Any]) -> dict[str, Any]:
    """A normalized GeoProperty."""
    return {"type": "GeoProperty", "value": geometry}


def point(lon: float = 139.6917, lat: float = 35.6895) -> dict[str, Any]:
    """A GeoJSON Point (Tokyo by default)."""
    return {"type": "Point", "coordinates": [lon, lat]}


def probe_entity(eid: str, type_: str, **attrs: Any) -> Entity:
    """A normalized entity of a probe type; plain attribute values become Properties."""
    body: Entity = {"id": eid, "type": type_}
    for name, value in attrs.items():
        is_attr = isinstance(value, dict) and value.get("type") in _ATTR_TYPES
        body[name] = value if is_attr else prop(value)
    return body


_ATTR_TYPES = {"Property", "Relationship", "GeoProperty", "LanguageProperty"}
_REL_NAME = re.compile(r"^ref[A-Z]")  # Smart Data Models name every Relationship refXxx


def normalized(kv: Entity) -> Entity:
    """The normalized form of a key-values entity (refXxx → Relationship, location → Geo)."""
    out: Entity = {"id": kv["id"], "type": kv["type"]}
    for name, value in kv.items():
        if name in ("id", "type"):
            continue
        if name == "location":
            out[name] = geo(value)
        elif _REL_NAME.match(name):
            out[name] = rel(value)
        else:
            out[name] = prop(value)
    return out


def _off_street_parking(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "OffStreetParking",
        "name": "Conform test car park",
        "category": ["parkingGarage", "public", "feeCharged"],
        "allowedVehicleType": ["car"],
        "totalSpotNumber": 200,
        "availableSpotNumber": 121,
        "occupancy": 0.4,
        "status": ["open"],
        "layout": ["multiStorey"],
        "location": point(),
        "address": {"addressLocality": "Chiyoda", "addressCountry": "JP"},
    }


def _parking_spot(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "ParkingSpot",
        "name": "A-01",
        "status": "free",
        "category": ["offStreet"],
        "refParkingSite": ns.entity_id("OffStreetParking"),
        "location": point(),
    }


def _air_quality_observed(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "AirQualityObserved",
        "dateObserved": "2026-11-26T09:00:00Z",
        "no2": 22.5,
        "pm25": 8.1,
        "temperature": 14.2,
        "relativeHumidity": 0.55,
        "location": point(),
    }


def _weather_observed(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "WeatherObserved",
        "dateObserved": "2026-11-26T09:00:00Z",
        "temperature": 12.3,
        "relativeHumidity": 0.61,
        "atmosphericPressure": 1013.2,
        "windSpeed": 3.4,
        "pressureTendency": "steady",
        "location": point(),
    }


def _streetlight(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "Streetlight",
        "status": "ok",
        "powerState": "on",
        "lanternHeight": 8.5,
        "illuminanceLevel": 0.8,
        "dateLastLampChange": "2026-01-15T10:00:00Z",
        "location": point(),
    }


def _ev_charging_station(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "EVChargingStation",
        "name": "Conform test charger",
        "capacity": 4,
        "availableCapacity": 2,
        "socketNumber": 4,
        "socketType": ["Type2", "CHAdeMO"],
        "allowedVehicleType": ["car"],
        "status": ["available"],
        "location": point(),
    }


MODEL_SAMPLES: dict[str, Callable[[str, Namespace], Entity]] = {
    "OffStreetParking": _off_street_parking,
    "ParkingSpot": _parking_spot,
    "AirQualityObserved": _air_quality_observed,
    "WeatherObserved": _weather_observed,
    "Streetlight": _streetlight,
    "EVChargingStation": _ev_charging_station,
}


def model_sample(model: str, ns: Namespace) -> Entity:
    """A valid key-values entity of a published model, with a new id of the run."""
    return MODEL_SAMPLES[model](ns.entity_id(model), ns)


def create(client: Client, body: Entity) -> Entity:
    """POST an entity and require 201: the setup step of tests that are about something else."""
    expect_status(client.post("/entities", json=body), 201)
    return body


def id_pattern(ns: Namespace) -> str:
    """An idPattern matching every id of the run and nothing else (no escapes needed)."""
    return f".*{ns.prefix}.*"


def link_rels(resp: Response) -> dict[str, str]:
    """rel → URL of every Link header value (several headers arrive joined by commas)."""
    found: dict[str, str] = {}
    for match in _LINK.finditer(resp.headers.get("Link") or ""):
        for rel in re.findall(r'rel="?([^";,]+)"?', match.group("params")):
            for name in rel.split():
                found.setdefault(name, match.group("url"))
    return found


_LINK = re.compile(r"<(?P<url>[^>]*)>(?P<params>[^<]*)")


def get_link(client: Client, url: str) -> Response:
    """GET a Link header's URL (relative or absolute) on the target's own origin."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""), api=False)


def expect_problem_any(resp: Response, status: int, names: tuple[str, ...]) -> dict[str, Any]:
    """A problem body of one of the NGSI-LD errors NAMES (where the bundle allows a choice)."""
    expect_status(resp, status)
    body = resp.json()
    kind = body.get("type") if isinstance(body, dict) else None
    for name in names:
        if kind == ERROR_TYPE_PREFIX + name:
            return expect_problem(resp, status, name)
    raise AssertionError(
        f"expected error type {' or '.join(names)}, got {kind!r} [{resp.exchange_id}]"
    )


def subscription(sid: str, entity_type: str, uri: str, **members: Any) -> Entity:
    """A subscription to changes of `temperature` on entities of `entity_type`, notified to URI."""
    notification = {"endpoint": {"uri": uri, "accept": "application/json"}}
    notification.update(members.pop("notification", {}))
    return {
        "id": sid,
        "type": "Subscription",
        "entities": [{"type": entity_type}],
        "watchedAttributes": ["temperature"],
        "notification": notification,
        **members,
    }


def create_probe(client: Client, ns: Namespace) -> Entity:
    """A created probe entity: temperature 21.5 (unitCode CEL), name, refDevice, location."""
    body = probe_entity(
        ns.entity_id(probe_type(ns)),
        probe_type(ns),
        temperature=prop(21.5, unitCode="CEL"),
        name="probe",
        refDevice=rel(ns.entity_id("Device")),
        location=geo(point()),
    )
    return create(client, body)


def read_entity(client: Client, eid: str, **params: str) -> Entity:
    """GET /entities/{eid} with PARAMS, requiring 200 and a JSON object."""
    r = client.get(f"/entities/{eid}", params=params or None)
    expect_status(r, 200)
    body = r.json()
    assert isinstance(body, dict), f"expected an entity object, got {r.text[:80]}"
    return body


_VALUE_KEY = {"Property": "value", "GeoProperty": "value", "Relationship": "object"}


def attr_value(attr: Any) -> Any:
    """The value member of a normalized attribute (`value`, or `object` of a Relationship)."""
    assert isinstance(attr, dict), f"expected a normalized attribute object, got {attr!r}"
    return attr.get(_VALUE_KEY.get(attr.get("type", ""), "value"))


@contextmanager
def created(client: Client, bodies: list[Entity]) -> Iterator[None]:
    """BODIES exist inside the block (module-scoped setup) and are deleted after it.

    Sent concurrently (within the run's limits): no test relies on their creation order.
    """
    client.each(lambda body: create(client, body), bodies)
    yield
    # the run would also delete leftovers
    client.each(lambda body: client.delete(f"/entities/{body['id']}"), bodies)


def query(client: Client, headers: dict[str, str] | None = None, **params: str) -> Response:
    """GET /entities with PARAMS, requiring 200 (the body is checked by the caller)."""
    r = client.get("/entities", params=params, headers=headers)
    expect_status(r, 200)
    return r


def entity_list(r: Response) -> list[Entity]:
    """The body as a JSON array of entity objects."""
    body = r.json()
    assert isinstance(body, list) and all(isinstance(e, dict) for e in body), (
        f"expected a JSON array of entities, got {r.text[:120]}"
    )
    return body


def entity_ids(r: Response) -> list[str]:
    """The ids of the entities of an array body, in order."""
    return [e.get("id") for e in entity_list(r)]


def expect_ids(r: Response, expected: set[str], what: str) -> None:
    """The array body lists exactly the EXPECTED ids, each once; WHAT names the query."""
    got = entity_ids(r)
    dupes = sorted({i for i in got if got.count(i) > 1})
    assert not dupes, f"expected each entity once for {what}, got {dupes[0]} twice"
    missing, extra = sorted(expected - set(got)), sorted(set(got) - expected)
    assert not missing, f"expected {missing[0]} for {what}, got it missing [{r.exchange_id}]"
    assert not extra, f"expected only {len(expected)} entities for {what}, got also {extra[0]}"
