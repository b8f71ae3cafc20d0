"""Data models: published Smart Data Models entities, keyValues and normalized (DM)."""

from __future__ import annotations

import json

import pytest
from _v2 import (
    MODEL_SAMPLES,
    expect_error,
    key_values,
    model_sample,
    normalized,
    same_values,
)

from conform.datamodels import ModelSet
from conform.suite import expect_status

BUILTIN = {"dateCreated", "dateModified", "dateExpires"}  # Orion API §Builtin Attributes


@pytest.fixture
def models(bundle) -> ModelSet:
    return ModelSet.from_bundle(bundle)


@pytest.mark.req("DM-001")
@pytest.mark.parametrize("model", sorted(MODEL_SAMPLES))
def test_key_values_model_entity(client, ns, model):
    body = model_sample(model, ns)
    expect_status(client.post("/entities", json=body, params={"options": "keyValues"}), 201)
    got = key_values(client, body["id"])
    assert same_values(got, body), f"{model}: read back differs"


@pytest.mark.req("DM-001")
def test_official_key_values_examples(client, ns, bundle, models):
    """The official Smart Data Models NGSI v2 key-values examples shipped with the bundle's
    models (those valid under the bundle: models/README.md), each under an id of the run and
    without the builtin attributes Orion reserves (dateCreated, dateModified, dateExpires)."""
    sent = 0
    for path in sorted(bundle.models_dir.glob("dataModel.*/*/examples/example.json")):
        example = json.loads(path.read_text(encoding="utf-8"))
        model = path.parent.parent.name
        if model not in models.names or models.validate(example, model):
            continue  # an official example the official schema refuses
        body = {k: v for k, v in example.items() if k not in BUILTIN}
        body["id"] = ns.entity_id(model)
        r = client.post("/entities", json=body, params={"options": "keyValues"})
        expect_status(r, 201)
        got = key_values(client, body["id"])
        assert same_values(got, body), f"{model}: read back differs"
        sent += 1
    assert sent >= 5, f"suite defect: {sent} official examples validate"


@pytest.mark.req("DM-002")
@pytest.mark.parametrize("model", sorted(MODEL_SAMPLES))
def test_normalized_model_entity(client, ns, model):
    kv = model_sample(model, ns)
    expect_status(client.post("/entities", json=normalized(kv)), 201)
    got = key_values(client, kv["id"])
    assert same_values(got, kv), f"{model}: read back differs"


@pytest.mark.req("DM-003")
@pytest.mark.parametrize("model", sorted(MODEL_SAMPLES))
def test_model_violation_is_400(client, ns, models, model):
    body = {**model_sample(model, ns), "location": {"type": "Point", "coordinates": "not numbers"}}
    assert models.validate(body, model), "suite defect: the broken sample validates"
    try:
        r = client.post("/entities", json=body, params={"options": "keyValues"})
        expect_error(r, 400, "BadRequest")
        assert client.get(f"/entities/{body['id']}").status_code == 404, "the entity was created"
    finally:  # an accepted broken entity must not stay served (DM-004 reads what is served)
        client.delete(f"/entities/{body['id']}")


@pytest.mark.req("DM-004")
@pytest.mark.serial  # alone: DM-003 sends broken entities a non-validating Orion accepts
@pytest.mark.read_only
def test_served_entities_validate(client, target, models):
    for model in target.data_models:
        r = client.get("/entities", params={"type": model, "options": "keyValues", "limit": 100})
        expect_status(r, 200)
        for entity in r.json():
            found = models.validate(entity, model)
            assert not found, f"{model} {entity.get('id')}: {found[0].pointer}: {found[0].message}"
