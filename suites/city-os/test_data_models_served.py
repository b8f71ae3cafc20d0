"""Data models: entities the target serves, read in key-values form, validate against the bundle."""

from __future__ import annotations

import pytest
from _builders import context_link

from conform.datamodels import ModelSet
from conform.jsonld import ContextLibrary
from conform.suite import expect_status

SAMPLE = 50  # entities read per model and context: bounded, so a large city stays quick to certify


def _contexts(library: ContextLibrary, model: str) -> list[str | None]:
    """No context, and each context the bundle ships that gives MODEL another IRI (a Smart Data
    Models context): entities written with it are of that type only when read with it (5.5.7)."""
    if not library.core_url:  # a bundle that ships no contexts (city-os 1.0)
        return [None]
    plain = library.names().expand(model)
    found: dict[str, str | None] = {plain: None}
    for url in library.documents:
        if not library.is_core(url):
            found.setdefault(library.names(url).expand(model), url)
    return list(found.values())


@pytest.mark.req("DM-003")
@pytest.mark.serial  # see conform/runner/parallel.py
@pytest.mark.read_only
def test_served_entities_validate(client, target, bundle):
    models = ModelSet.from_bundle(bundle)
    library = ContextLibrary(bundle.path / "contexts")
    problems: list[str] = []
    # every published model, not only those the target declares: a target that declares none
    # must not pass by reading nothing
    for model in sorted(set(target.data_models) | set(bundle.model_paths())):
        for context in _contexts(library, model):
            r = client.get(
                "/entities",
                params={"type": model, "options": "keyValues", "limit": str(SAMPLE)},
                headers=context_link(context) if context else None,
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
