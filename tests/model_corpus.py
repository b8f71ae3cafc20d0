"""A mutation corpus for data models: every member broken every way its schema allows.

For a valid base entity of a model, each member the model defines (followed through `allOf`
and `$ref`, as the official Smart Data Models compose theirs) is given a value of the wrong
JSON type, values just out of range, a value outside its enum, a string breaking its format,
and each required member is dropped. Used by the parity test (bundle vs official schemas)
and the accelerator test (jsonschema-rs vs jsonschema).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from referencing import Registry

from conform.datamodels import ModelSet

MODELS_11 = Path(__file__).resolve().parents[1] / "specs" / "city-os" / "1.1" / "models"
BAD_FORMAT = {
    "date-time": ["15/03/2016 11:00", "yesterday", "2016-03-15T11:00:00", "2024-02-30T10:00:00Z"],
    "date": ["15/03/2016", "2023-02-29"],
    "time": ["25:00:00Z", "11:00"],
    "uri": ["not a uri", "www.example.org"],
    "idn-email": ["not an email", "a b@c.d"],
    "email": ["not an email"],
}
WRONG_TYPE = {
    "string": 42,
    "number": "42",
    "integer": 4.5,
    "array": "x",
    "object": [1],
    "boolean": "yes",
}


def members(registry: Registry[Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Member name -> every subschema constraining it (through allOf and `$ref`), merged."""
    found: dict[str, dict[str, Any]] = {}
    todo = [(schema, registry.resolver(schema.get("$id", "")))]
    while todo:
        node, resolver = todo.pop()
        if "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            todo.append((resolved.contents, resolved.resolver))
        for branch in node.get("allOf", []):
            todo.append((branch, resolver))
        for name, sub in node.get("properties", {}).items():
            if "$ref" in sub:
                resolved = resolver.lookup(sub["$ref"])
                sub = {**resolved.contents, **{k: v for k, v in sub.items() if k != "$ref"}}
            found.setdefault(name, {}).update(sub)
    return found


def required(registry: Registry[Any], schema: dict[str, Any]) -> list[str]:
    """Required members of SCHEMA, through allOf and `$ref`."""
    names: list[str] = []
    todo = [(schema, registry.resolver(schema.get("$id", "")))]
    while todo:
        node, resolver = todo.pop()
        if "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            todo.append((resolved.contents, resolved.resolver))
        todo += [(branch, resolver) for branch in node.get("allOf", [])]
        names += [n for n in node.get("required", []) if n not in names]
    return names


def _broken_values(sub: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(how, value) pairs that break SUB, the subschema of one member."""
    kinds = sub.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    for kind in kinds:
        if not (kind == "integer" and "number" in kinds):
            yield f"wrong-type-{kind}", WRONG_TYPE.get(kind)
    if not kinds:  # anyOf/oneOf members (geometry, relationships)
        yield "wrong-type", 42
        yield "bad-geometry", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}
        yield "bad-point", {"type": "Point", "coordinates": ["a", 0]}
    if "minimum" in sub:
        yield "below-minimum", sub["minimum"] - 1
    if "maximum" in sub:
        yield "above-maximum", sub["maximum"] + 1
    if "exclusiveMinimum" in sub:
        yield "at-exclusive-minimum", sub["exclusiveMinimum"]
    if "exclusiveMaximum" in sub:
        yield "at-exclusive-maximum", sub["exclusiveMaximum"]
    if "enum" in sub:
        yield "bad-enum", "not-an-option"
    items = sub.get("items", {})
    if isinstance(items, dict) and "enum" in items:
        yield "bad-enum-item", ["not-an-option"]
    if sub.get("minItems"):
        yield "too-few-items", []
    if sub.get("uniqueItems") and isinstance(items, dict) and "enum" in items:
        yield "duplicate-items", [items["enum"][0], items["enum"][0]]
    for fmt in (sub.get("format"), items.get("format") if isinstance(items, dict) else None):
        for value in BAD_FORMAT.get(fmt or "", []):
            yield f"bad-format-{fmt}", value if sub.get("format") else [value]


def mutations(models: ModelSet, name: str, base: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(label, document): BASE, then BASE with one member broken (see the module doc)."""
    schema = models.schema(name)
    yield "base", base
    for member in required(models.registry, schema):
        if member in base:
            yield f"missing-required:{member}", {k: v for k, v in base.items() if k != member}
    for member, sub in sorted(members(models.registry, schema).items()):
        if member in ("id", "type"):
            continue
        for how, value in _broken_values(sub):
            doc = copy.deepcopy(base)
            doc[member] = value
            yield f"{how}:{member}", doc


def official_examples() -> dict[str, dict[str, Any]]:
    """Model name -> the official key-values example shipped in the 1.1 bundle."""
    return {
        path.parent.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(MODELS_11.glob("dataModel.*/*/examples/example.json"))
    }


def valid_base(name: str) -> dict[str, Any]:
    """The official example of NAME made valid under the format policy (UTC offsets)."""
    doc = official_examples()[name]
    if name == "AirQualityObserved":  # the official example breaks two rules: see models/README
        doc = {**doc, "dateObserved": "2016-03-15T11:00:00Z", "tsp": 73}
    return doc
