"""Shared payload builders and tolerant helpers for the city-OS suites.

A test judges only its own requirement. What it needs from another one (create, read back,
provoke an error) goes through the helpers here, which accept every shape the standard allows
and raise `Precondition` (blocked by that requirement) when the step itself does not work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.profiles.ngsi_ld import ERROR_TYPE_PREFIX
from conform.suite import expect_json_equal, expect_problem, expect_status, requires
from conform.suite.expect import shape_of

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


# Every array of a sample holds two or more items: a broker built on JSON-LD may serve a
# one-item array compacted to its item (JSON-LD 1.1 compaction, compactArrays), which the
# published schemas would refuse, and that is not what the model requirements judge.


def _off_street_parking(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "OffStreetParking",
        "name": "Conform test car park",
        "category": ["parkingGarage", "public", "feeCharged"],
        "allowedVehicleType": ["car", "motorcycle"],
        "totalSpotNumber": 200,
        "availableSpotNumber": 121,
        "occupancy": 0.4,
        "status": ["open", "spacesAvailable"],
        "layout": ["multiStorey", "covered"],
        "location": point(),
        "address": {"addressLocality": "Chiyoda", "addressCountry": "JP"},
    }


def _parking_spot(eid: str, ns: Namespace) -> Entity:
    return {
        "id": eid,
        "type": "ParkingSpot",
        "name": "A-01",
        "status": "free",
        "category": ["offStreet", "onStreet"],
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
        "allowedVehicleType": ["car", "bus"],
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


def create(client: Client, body: Entity, needs: str = "CORE-001") -> Entity:
    """POST an entity for a test about something else: a refusal blocks it (by NEEDS)."""
    r = client.post("/entities", json=body)
    with requires(needs):
        expect_status(r, 201)
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


CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def context_link(url: str) -> dict[str, str]:
    """The Link header naming URL as the request's JSON-LD @context (CIM 009 6.3.5)."""
    return {"Link": f'<{url}>; rel="{CONTEXT_REL}"; type="application/ld+json"'}


def get_link(client: Client, url: str) -> Response:
    """GET a Link header's URL (relative or absolute) on the target's own origin."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""), api=False)


def expect_problem_any(resp: Response, status: int, names: tuple[str, ...]) -> dict[str, Any]:
    """A problem body of one of the NGSI-LD errors NAMES (where the bundle allows a choice)."""
    expect_status(resp, status)
    kind = json_object(resp, "a problem details object").get("type")
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


def json_object(r: Response, what: str = "a JSON object") -> dict[str, Any]:
    """The body as a JSON object; any other shape fails, naming it."""
    body = r.json()
    assert isinstance(body, dict), (
        f"expected {what}, got {shape_of(body)}: {r.text[:80]} [{r.exchange_id}]"
    )
    return body


def read_entity(client: Client, eid: str, **params: str) -> Entity:
    """GET /entities/{eid} with PARAMS, requiring 200 and a JSON object (the test's own rule)."""
    r = client.get(f"/entities/{eid}", params=params or None)
    expect_status(r, 200)
    return json_object(r, "an entity object")


def read_back(client: Client, eid: str) -> Entity:
    """The entity after a write the test is about: it must exist (200); an answer that is not
    an entity object is retrieval's fault (CORE-007), which blocks the test."""
    r = client.get(f"/entities/{eid}")
    expect_status(r, 200)
    with requires("CORE-007"):
        return json_object(r, "an entity object")


def _instance(x: Any) -> bool:
    return isinstance(x, dict) and (x.get("type") in _ATTR_TYPES or "value" in x or "object" in x)


def attr_instance(attr: Any) -> dict[str, Any]:
    """An attribute's (default) instance as an object; {} for a bare key-values value."""
    if isinstance(attr, list) and attr and all(_instance(a) for a in attr):
        default = [a for a in attr if "datasetId" not in a]
        return dict((default or attr)[0])
    return dict(attr) if isinstance(attr, dict) else {}


def attr_value(attr: Any) -> Any:
    """An attribute's value in any shape the standard allows.

    Normalized (`value`, a Relationship's `object`, a LanguageProperty's `languageMap`), concise
    (the same without `type`, or a bare GeoJSON geometry), key-values (the plain value), and an
    array of instances (several datasetIds: the default instance, else the first).
    """
    if isinstance(attr, list) and attr and all(_instance(a) for a in attr):
        default = [a for a in attr if "datasetId" not in a]
        return attr_value((default or attr)[0])
    if isinstance(attr, dict):
        for key in ("value", "object", "languageMap"):
            if key in attr:
                return attr[key]
    return attr


def expect_attrs(got: Entity, sent: Entity, where: str = "") -> None:
    """Every attribute of SENT is in GOT with an equal value (whatever shape GOT uses)."""
    for name in sorted(k for k in sent if k not in ("id", "type", "@context")):
        assert name in got, f"expected attribute {name!r} read back, got none{where}"
        expect_json_equal(attr_value(got[name]), attr_value(sent[name]), f"/{name}")


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
    assert isinstance(body, list), (
        f"expected a JSON array of entities, got {shape_of(body)}: {r.text[:120]} [{r.exchange_id}]"
    )
    odd = next((e for e in body if not isinstance(e, dict)), None)
    assert odd is None, (
        f"expected entity objects in the array, got {shape_of(odd)}: {_short(odd)} "
        f"[{r.exchange_id}]"
    )
    return body


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def entity_ids(r: Response) -> list[Any]:
    """The ids of the entities of an array body, in order (as the target sent them)."""
    return [e.get("id") for e in entity_list(r)]


def expect_ids(r: Response, expected: set[str], what: str) -> None:
    """The array body lists exactly the EXPECTED ids, each once; WHAT names the query."""
    got = entity_ids(r)
    dupes = sorted({i for i in got if got.count(i) > 1})
    assert not dupes, f"expected each entity once for {what}, got {dupes[0]} twice"
    missing, extra = sorted(expected - set(got)), sorted(set(got) - expected)
    assert not missing, f"expected {missing[0]} for {what}, got it missing [{r.exchange_id}]"
    assert not extra, f"expected only {len(expected)} entities for {what}, got also {extra[0]}"
