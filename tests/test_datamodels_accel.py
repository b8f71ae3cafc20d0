"""jsonschema-rs gives the same violations (verdicts, pointers, messages) as jsonschema alone."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from model_corpus import members, mutations, valid_base

from conform.bundle import load_bundle
from conform.datamodels import ModelSet

pytest.importorskip("jsonschema_rs")

# the official Smart Data Models files, as the 1.1 bundle ships them
SDM = Path(__file__).resolve().parents[1] / "specs" / "city-os" / "1.1" / "models"
POINT = {"type": "Point", "coordinates": [139.69, 35.68]}
# Values chosen to sit on the edges where two validators may disagree: bool vs number, float
# integers, huge integers, code points vs bytes in lengths, Unicode digits and combining marks
# in patterns, date-time and uri strings whose format is only an annotation, wrong containers.
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 1.0, 0.5, 2.5, -0.0, 10**30, -(10**30), 1e308,
    "", "x", "on", "ok", "٣", "e\u0301", "😀" * 257, "a" * 257, "urn:ngsi-ld:Thing:1",
    "not a uri", "2024-02-30T25:61:00Z", "2024-01-01T00:00:00Z", "--02-29", "--13-01",
    [], [1, 2], [1.5, 2.5, 3.5], [1, 2, 3, 4], ["a"], [None], {}, {"a": 1}, POINT,
    {"type": "Point", "coordinates": [1]}, {"type": "Polygon", "coordinates": [[[0, 0]]]},
]  # fmt: skip


def _first_valid(schema: dict[str, Any]) -> Any:
    """A value for a required property: its const or first enum value, else a string."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    items = schema.get("items", {})
    if schema.get("type") == "array" and "enum" in items:
        return [items["enum"][0]]
    return "urn:ngsi-ld:Thing:1"


def _base(models: ModelSet, name: str) -> dict[str, Any]:
    """A minimal valid key-values entity of model NAME."""
    schema = models.schema(name)
    doc: dict[str, Any] = {"id": f"urn:ngsi-ld:{name}:1", "type": name, "location": POINT}
    for key in schema.get("required", []):
        if key not in doc:
            prop = schema["properties"].get(key, {})
            doc[key] = "2024-01-01T00:00:00Z" if "date" in key.lower() else _first_valid(prop)
    return doc


def _variants(properties: dict[str, Any], base: dict[str, Any]) -> Iterator[Any]:
    """BASE, and each property set to each odd value."""
    yield base
    yield [base]
    yield "not an object"
    for key, prop in properties.items():
        values = [*ODD_VALUES, *prop.get("enum", []), *prop.get("items", {}).get("enum", [])]
        for value in values:
            doc = copy.deepcopy(base)
            doc[key] = value
            yield doc


def _compare(fast: ModelSet, slow: ModelSet, name: str, docs: list[Any]) -> tuple[int, int]:
    """Assert equal violations (verdicts, pointers, messages) from both engines on DOCS;
    (valid, invalid) counts so the corpus is not one-sided."""
    assert fast._fast_validator(name) is not None, f"{name}: the accelerator was not used"
    verdicts = []
    for doc in docs:
        expected, got = slow.validate(doc, name), fast.validate(doc, name)
        assert got == expected, f"{name}: results differ on {json.dumps(doc)[:300]}"
        verdicts.append(not expected)
    return sum(verdicts), len(verdicts) - sum(verdicts)


@pytest.mark.parametrize("ref", ["city-os@1.0", "city-os@1.1"])
def test_bundle_models_same_verdicts(ref: str) -> None:
    bundle = load_bundle(ref)
    fast, slow = ModelSet.from_bundle(bundle), ModelSet.from_bundle(bundle, fast=False)
    assert fast.fast and not slow.fast
    for name in fast.names:
        base = _base(slow, name) if ref.endswith("1.0") else valid_base(name)
        assert not slow.validate(base, name), f"{name}: the base document must be valid"
        docs = [doc for _, doc in mutations(slow, name, base)]
        props = members(slow.registry, slow.schema(name))
        docs += list(_variants({k: v for k, v in props.items() if k in base}, base))
        valid, invalid = _compare(fast, slow, name, docs)
        assert valid > 10 and invalid > 10, (name, valid, invalid)


@pytest.mark.skipif(not SDM.is_dir(), reason="shared Smart Data Models samples absent")
def test_smart_data_models_same_verdicts() -> None:
    fast, slow = ModelSet.from_folder(SDM), ModelSet.from_folder(SDM, fast=False)
    examples = sorted(SDM.glob("dataModel.*/*/examples/example*.json"))
    assert examples
    for path in examples:
        name = path.parent.parent.name
        sample = json.loads(path.read_text(encoding="utf-8"))
        props = members(slow.registry, slow.schema(name))
        docs = list(_variants(props, sample)) if isinstance(sample, dict) else []
        _compare(fast, slow, name, [sample, *docs])


def test_remote_ref_falls_back_and_still_refuses_the_network(tmp_path: Path) -> None:
    (tmp_path / "Remote.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "properties": {"x": {"$ref": "https://example.com/x.json"}},
            }
        )
    )
    (tmp_path / "Local.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "properties": {"x": {"type": "integer"}},
            }
        )
    )
    models = ModelSet.from_folder(tmp_path)
    assert models._fast_validator("Remote") is None  # jsonschema-rs could not build it offline
    assert models._fast_validator("Local") is not None  # ...which costs no other model its own
    ((violation),) = models.validate({"type": "Remote", "x": 1})
    assert "never fetches schemas from the network" in violation.message
    assert models.validate({"type": "Local", "x": 1}) == []
