"""city-os 1.1 and city-os-v2 1.0 models are the official Smart Data Models: same verdicts,
except the overlay.

The official schemas are validated on their own (python-jsonschema, a registry of the official
files under their published URLs, both URL forms), the bundle through conform (both engines).
The corpus: the official key-values examples, and for every model every member broken every
way its schema allows (wrong type, out of range, bad enum, bad format, missing required).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from model_corpus import MODELS_11, mutations, official_examples, valid_base
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conform.bundle import load_bundle
from conform.datafiles import validate_document
from conform.datamodel_formats import FORMAT_CHECKER
from conform.datamodel_forms import NGSI_V2, Form
from conform.datamodels import ModelSet

# the shared reference copy beside the checkout (or beside the worktrees' folder), if present
REFERENCE = next(
    (
        up / "shared" / "reference" / "sdm-official"
        for up in Path(__file__).resolve().parents[2:4]
        if (up / "shared" / "reference" / "sdm-official").is_dir()
    ),
    Path("/nonexistent"),
)
MODELS_V2 = MODELS_11.parents[2] / "city-os-v2" / "1.0" / "models"
BUNDLES = {"city-os@1.1": MODELS_11, "city-os-v2@1.0": MODELS_V2}
# The department's overlay, as documented in each bundle's models/README.md:
# (model, member the overlay requires that the official schema leaves optional)
OVERLAY = {("EVChargingStation", "location")}
RAW = "https://raw.githubusercontent.com/smart-data-models/{repo}/master/{path}"


def _official_registry(root: Path) -> Registry[Any]:
    """Every official schema file under its `$id`, and under its raw.githubusercontent URL."""
    resources = []
    for path in sorted(root.glob("**/*schema*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        repo, _, rest = path.relative_to(root).as_posix().partition("/")
        resources += [(contents["$id"], resource), (RAW.format(repo=repo, path=rest), resource)]
    return Registry().with_resources(resources)


def _official(root: Path) -> dict[str, Draft202012Validator]:
    registry = _official_registry(root)
    return {
        path.parent.name: Draft202012Validator(
            json.loads(path.read_text(encoding="utf-8")),
            registry=registry,
            format_checker=FORMAT_CHECKER,
        )
        for path in sorted(root.glob("dataModel.*/*/schema.json"))
    }


def _overlay_of(folder: Path, name: str) -> set[tuple[str, str]]:
    """(model, member) required by the wrapper's own subschemas (not the official $ref)."""
    wrapper = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return {
        (name, member)
        for branch in wrapper["allOf"]
        if "$ref" not in branch
        for member in branch.get("required", [])
    }


def test_shipped_files_are_the_official_ones() -> None:
    if not REFERENCE.is_dir():
        pytest.skip(f"shared reference folder {REFERENCE} absent")
    official = sorted(p.relative_to(REFERENCE) for p in REFERENCE.rglob("*") if p.is_file())
    for rel in official:
        shipped = MODELS_11 / rel
        assert shipped.is_file(), f"{rel} not shipped"
        assert shipped.read_bytes() == (REFERENCE / rel).read_bytes(), f"{rel} edited"


def test_v2_ships_official_files_unchanged() -> None:
    """The v2 bundle ships the NGSI v2 subset of 1.1's official files (no contexts, no .jsonld)."""
    own = {"README.md", "SOURCES.txt", *(f"{name}.json" for name in official_examples())}
    shipped = sorted(p.relative_to(MODELS_V2) for p in MODELS_V2.rglob("*") if p.is_file())
    official = [rel for rel in shipped if rel.as_posix() not in own]
    assert len(official) == 27 and not [rel for rel in official if rel.suffix == ".jsonld"]
    for rel in [*official, Path("SOURCES.txt")]:
        assert (MODELS_V2 / rel).read_bytes() == (MODELS_11 / rel).read_bytes(), f"{rel} edited"


@pytest.mark.parametrize("folder", BUNDLES.values(), ids=BUNDLES)
def test_overlay_is_documented(folder: Path) -> None:
    names = sorted(official_examples())
    assert set().union(*(_overlay_of(folder, name) for name in names)) == OVERLAY
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for model, member in OVERLAY:
        assert f"| {model} |" in readme and f"`{member}` required" in readme


@pytest.mark.parametrize("bundle", BUNDLES)
@pytest.mark.parametrize("fast", [True, False], ids=["jsonschema-rs", "jsonschema"])
def test_bundle_and_official_schemas_agree(bundle: str, fast: bool) -> None:
    models = ModelSet.from_bundle(load_bundle(bundle), fast=fast)
    official = _official(REFERENCE if REFERENCE.is_dir() else MODELS_11)
    assert sorted(official) == models.names
    counts = {"same-valid": 0, "same-invalid": 0, "overlay": 0}
    for name, example in official_examples().items():
        corpus = [("official-example", example), *mutations(models, name, valid_base(name))]
        for label, doc in corpus:
            ours = not models.validate(doc, name)
            theirs = official[name].is_valid(doc)
            member = label.removeprefix("missing-required:")
            if (name, member) in OVERLAY and label.startswith("missing-required:"):
                assert theirs and not ours, f"{name} {label}: the overlay must decide"
                counts["overlay"] += 1
                continue
            assert ours == theirs, f"{name} {label}: bundle {ours}, official {theirs}"
            counts["same-valid" if ours else "same-invalid"] += 1
    assert counts["overlay"] == len(OVERLAY)
    assert counts["same-valid"] > 10 and counts["same-invalid"] > 300, counts


@pytest.mark.parametrize("bundle", BUNDLES)
def test_official_examples_verdicts(bundle: str) -> None:
    """Five official examples validate; AirQualityObserved's breaks two official rules."""
    models = ModelSet.from_bundle(load_bundle(bundle))
    verdicts = {name: models.validate(doc, name) for name, doc in official_examples().items()}
    assert [name for name, found in verdicts.items() if found] == ["AirQualityObserved"]
    assert [(v.pointer, v.message) for v in verdicts["AirQualityObserved"]] == [
        (
            "/dateObserved",
            '"2016-03-15T11:00:00" is not a valid "date-time" '
            "(a date-time needs a UTC offset, e.g. Z or +09:00)",
        ),
        ("/tsp", '73.3 is not of type "integer"'),
    ]


def test_official_ngsi_v2_normalized_examples_are_judged_by_their_values() -> None:
    """The v2 bundle judges the official NGSI v2 normalized examples by their values, as
    `validate-data --form normalized` does: four validate, and the two that break official
    rules are pointed at inside the normalized document."""
    models = ModelSet.from_bundle(load_bundle("city-os-v2"))
    found = {}
    for path in sorted(MODELS_V2.glob("dataModel.*/*/examples/example-normalized.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        violations, form = validate_document(doc, models, None, Form.NORMALIZED)
        assert form == NGSI_V2, f"{path}: read as {form}"
        found[path.parent.parent.name] = [v.pointer for v in violations]
    assert {name: pointers for name, pointers in found.items() if pointers} == {
        "AirQualityObserved": ["/dateObserved/value", "/precipitation/value", "/tsp/value"],
        "EVChargingStation": ["/taxAmountCollected/value"],
    }
    assert len(found) == 6
