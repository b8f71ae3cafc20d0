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
def test_entity_of_model_is_accepted(client, ns, discard, model):
    body = normalized(model_sample(model, ns))
    discard.append(body["id"])  # deleting is CORE-015's to judge, not this test's
    expect_status(client.post("/entities", json=body), 201)


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
    got = client.get(f"/entities/{kv['id']}")
    assert got.status_code == 404, (
        f"expected no entity {kv['id']} created, got it served ({got.status_code}) "
        f"[{got.exchange_id}]"
    )


# DM-004..009: one case per model, each marked with its own requirement
@pytest.mark.parametrize(
    "model",
    [
        pytest.param("OffStreetParking", marks=pytest.mark.req("DM-004"), id="OffStreetParking"),
        pytest.param("ParkingSpot", marks=pytest.mark.req("DM-005"), id="ParkingSpot"),
        pytest.param(
            "AirQualityObserved", marks=pytest.mark.req("DM-006"), id="AirQualityObserved"
        ),
        pytest.param("WeatherObserved", marks=pytest.mark.req("DM-007"), id="WeatherObserved"),
        pytest.param("Streetlight", marks=pytest.mark.req("DM-008"), id="Streetlight"),
        pytest.param("EVChargingStation", marks=pytest.mark.req("DM-009"), id="EVChargingStation"),
    ],
)
def test_model_key_values_validate(client, ns, bundle, model):
    # a model entity refused at create is DM-001's failure: this one is then blocked
    eid = create(client, normalized(model_sample(model, ns)), needs="DM-001")["id"]
    got = read_entity(client, eid, options="keyValues")
    _expect_valid(ModelSet.from_bundle(bundle), got, model)
    assert got.get("id") == eid, f"expected id {eid}, got {got.get('id')!r}"


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
    create(client, normalized(kv), needs="DM-001")
    discard.append(kv["id"])
    r = getattr(client, method)(f"/entities/{kv['id']}{suffix}", json=body)
    expect_problem(r, 400, "BadRequestData")
    expect_json_equal(read_entity(client, kv["id"], options="keyValues"), kv)
