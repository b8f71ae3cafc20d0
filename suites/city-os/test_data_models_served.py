"""Data models: entities the target serves, read in key-values form, validate against the bundle."""

from __future__ import annotations

import pytest

from conform.datamodels import ModelSet
from conform.suite import expect_status

SAMPLE = 50  # entities read per model: bounded, so a large city stays quick to certify


@pytest.mark.req("DM-003")
@pytest.mark.serial  # see conform/runner/parallel.py
@pytest.mark.read_only
def test_served_entities_validate(client, target, bundle):
    models = ModelSet.from_bundle(bundle)
    problems: list[str] = []
    # every published model, not only those the target declares: a target that declares none
    # must not pass by reading nothing
    for model in sorted(set(target.data_models) | set(bundle.model_paths())):
        r = client.get(
            "/entities", params={"type": model, "options": "keyValues", "limit": str(SAMPLE)}
        )
        expect_status(r, 200)
        entities = r.json()
        assert isinstance(entities, list), (
            f"expected an array of {model} entities, got {r.text[:80]}"
        )
        for entity in entities:
            for v in models.validate(entity, model):
                eid = entity.get("id") if isinstance(entity, dict) else "?"
                problems.append(f"{model} {eid}: {v.message} at {v.pointer or '/'}")
    assert not problems, (
        f"expected served entities to validate, got {len(problems)} violations: {problems[0]}"
    )
