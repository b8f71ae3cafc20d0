"""Data models (DM-001, 002, 004..010): entities the harness creates, checked against the bundle.

Samples are written in key-values form (`_builders.MODEL_SAMPLES`), sent normalized, and read
back with options=keyValues; the bundle's JSON Schema decides, its violations are the message.
DM-003 (entities the target serves) stays read-only in test_data_models_served.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _builders import (
    MODEL_SAMPLES,
    create,
    model_sample,
    normalized,
    prop,
    read_entity,
)

from conform.datamodels import ModelSet
from conform.suite import expect_json_equal, expect_problem, expect_status


@pytest.fixture
def discard(client) -> Iterator[list[str]]:
    """Ids deleted after the test: an entity a faulty target let break its model must not stay
    served, or the served-entities check (DM-003) would fail for the harness's own data."""
    ids: list[str] = []
    yield ids
    for eid in ids:
        client.delete(f"/entities/{eid}")


def _violations(models: ModelSet, entity: Any, model: str) -> list[str]:
    return [f"{v.pointer or '/'}: {v.message}" for v in models.validate(entity, model)]


def _expect_valid(models: ModelSet, entity: Any, model: str) -> None:
    """ENTITY validates against MODEL; else the violations are the failure message."""
    found = _violations(models, entity, model)
    eid = entity.get("id") if isinstance(entity, dict) else "?"
    assert not found, f"expected {model} {eid} to validate, got {len(found)}: {'; '.join(found)}"


@pytest.mark.req("DM-001")
@pytest.mark.read_only
def test_every_published_model_has_a_sample(bundle):
    # a suite defect, not the target's: an error ("could not test"), never a failure
    missing = sorted(set(bundle.model_paths()) - set(MODEL_SAMPLES))
    if missing:
        raise LookupError(f"suite has no key-values sample for model {missing[0]}")


@pytest.mark.req("DM-001")
@pytest.mark.parametrize("model", sorted(MODEL_SAMPLES))
def test_entity_of_model_is_accepted(client, ns, model):
    body = normalized(model_sample(model, ns))
    r = client.post("/entities", json=body)
    expect_status(r, 201)
    expect_status(client.delete(f"/entities/{body['id']}"), 204)


def _drop(kv: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in kv.items() if k != name}


# each case breaks the model's schema in one way: (model, why, how)
INVALID = [
    ("WeatherObserved", "missing-required", lambda kv: _drop(kv, "dateObserved")),
    ("Streetlight", "missing-location", lambda kv: _drop(kv, "location")),
    ("OffStreetParking", "wrong-type", lambda kv: {**kv, "totalSpotNumber": "many"}),
    ("ParkingSpot", "not-in-enum", lambda kv: {**kv, "status": "parked"}),
    ("AirQualityObserved", "below-minimum", lambda kv: {**kv, "no2": -1}),
]


@pytest.mark.req("DM-002")
@pytest.mark.parametrize(
    ("model", "breaks"), [(m, f) for m, _, f in INVALID], ids=[f"{m}-{w}" for m, w, _ in INVALID]
)
def test_create_violating_model_is_400(client, ns, bundle, discard, model, breaks):
    kv = breaks(model_sample(model, ns))
    discard.append(kv["id"])
    assert _violations(ModelSet.from_bundle(bundle), kv, model), "suite case must be invalid"
    r = client.post("/entities", json=normalized(kv))
    expect_problem(r, 400, "BadRequestData")
    expect_problem(client.get(f"/entities/{kv['id']}"), 404, "ResourceNotFound")


def _expect_key_values_validate(client, ns, bundle, model: str) -> None:
    """A created MODEL sample reads back with options=keyValues and validates against MODEL."""
    eid = create(client, normalized(model_sample(model, ns)))["id"]
    got = read_entity(client, eid, options="keyValues")
    _expect_valid(ModelSet.from_bundle(bundle), got, model)
    assert got.get("id") == eid, f"expected id {eid}, got {got.get('id')!r}"


# DM-004..009: one test per model, marked literally (the runner reads marks from decorators)
@pytest.mark.req("DM-004")
def test_off_street_parking_key_values_validate(client, ns, bundle):
    _expect_key_values_validate(client, ns, bundle, "OffStreetParking")


@pytest.mark.req("DM-005")
def test_parking_spot_key_values_validate(client, ns, bundle):
    _expect_key_values_validate(client, ns, bundle, "ParkingSpot")


@pytest.mark.req("DM-006")
def test_air_quality_observed_key_values_validate(client, ns, bundle):
    _expect_key_values_validate(client, ns, bundle, "AirQualityObserved")


@pytest.mark.req("DM-007")
def test_weather_observed_key_values_validate(client, ns, bundle):
    _expect_key_values_validate(client, ns, bundle, "WeatherObserved")


@pytest.mark.req("DM-008")
def test_streetlight_key_values_validate(client, ns, bundle):
    _expect_key_values_validate(client, ns, bundle, "Streetlight")


@pytest.mark.req("DM-009")
def test_ev_charging_station_key_values_validate(client, ns, bundle):
    _expect_key_values_validate(client, ns, bundle, "EVChargingStation")


# each write would break OffStreetParking: (how, method, path suffix, body)
BREAKING_WRITES = [
    ("append", "post", "/attrs", {"totalSpotNumber": prop("many")}),
    ("update", "patch", "/attrs", {"availableSpotNumber": prop(-5)}),
    ("partial", "patch", "/attrs/occupancy", {"value": 7}),
]


@pytest.mark.req("DM-010")
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [w[1:] for w in BREAKING_WRITES],
    ids=[w[0] for w in BREAKING_WRITES],
)
def test_update_breaking_model_is_rejected(client, ns, discard, method, suffix, body):
    kv = model_sample("OffStreetParking", ns)
    create(client, normalized(kv))
    discard.append(kv["id"])
    r = getattr(client, method)(f"/entities/{kv['id']}{suffix}", json=body)
    expect_problem(r, 400, "BadRequestData")
    expect_json_equal(read_entity(client, kv["id"], options="keyValues"), kv)
