"""Entity representation: parsing request entities and attributes, rendering stored ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conform.reference.ngsi_v2.errors import bad_request
from conform.reference.ngsi_v2.syntax import UNRESTRICTED, check_identifier, check_value

DEFAULT_TYPE = "Thing"
BUILTIN = ("dateCreated", "dateModified")
RESERVED = frozenset({"id", "type", "geo:distance", "*", *BUILTIN})
Attr = dict[str, Any]  # {"type": str, "value": Any, "metadata": {name: {"type", "value"}}}


def default_type(value: Any) -> str:
    """The type an attribute or metadata gets when the client gives none."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Number"
    if isinstance(value, str):
        return "Text"
    if isinstance(value, dict | list):
        return "StructuredValue"
    return "None"


@dataclass
class Entity:
    """A stored entity: identity, service path, attributes in order, system times."""

    id: str
    type: str
    path: str
    attrs: dict[str, Attr] = field(default_factory=dict)
    created: str = ""
    modified: str = ""
    seq: int = 0

    def key_values(self) -> dict[str, Any]:
        """id, type and each attribute's bare value (the model schemas' form)."""
        return {"id": self.id, "type": self.type, **{k: a["value"] for k, a in self.attrs.items()}}


def _metadata(raw: Any, attr: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise bad_request(f"metadata of attribute {attr} must be a JSON object")
    out = {}
    for name, item in raw.items():
        check_identifier(name, "metadata name")
        if name in RESERVED:
            raise bad_request(f"metadata name {name} is reserved")
        if not isinstance(item, dict) or "value" not in item:
            raise bad_request(f"metadata {name} of attribute {attr} must be an object with value")
        kind = check_identifier(item.get("type", default_type(item["value"])), "metadata type")
        check_value(item["value"], "metadata value")
        out[name] = {"type": kind, "value": item["value"]}
    return out


def parse_attr(name: str, raw: Any, key_values: bool, previous: Attr | None = None) -> Attr:
    """A stored attribute from its request form (normalized object, or bare value)."""
    check_identifier(name, "attribute name")
    if name in RESERVED:
        raise bad_request(f"attribute name {name} is reserved")
    if key_values:
        raw = {"value": raw}
    if not isinstance(raw, dict):
        raise bad_request(f"attribute {name} must be a JSON object (unless options=keyValues)")
    value = raw.get("value")
    if "type" in raw:
        kind = check_identifier(raw["type"], "attribute type")
    elif previous is not None:
        kind = previous["type"]
    else:
        kind = default_type(value)
    if kind != UNRESTRICTED:
        check_value(value)
    metadata = _metadata(raw.get("metadata"), name)
    if previous is not None:
        metadata = {**previous["metadata"], **metadata}
    return {"type": kind, "value": value, "metadata": metadata}


def parse_attrs(
    body: Any, key_values: bool, existing: dict[str, Attr] | None = None
) -> dict[str, Attr]:
    """Attributes from a request object whose keys are attribute names."""
    if not isinstance(body, dict):
        raise bad_request("the payload must be a JSON object")
    existing = existing or {}
    return {k: parse_attr(k, v, key_values, existing.get(k)) for k, v in body.items()}


def parse_entity(body: Any, key_values: bool) -> tuple[str, str, dict[str, Attr]]:
    """(id, type, attributes) of a request entity; the type defaults to Thing."""
    if not isinstance(body, dict):
        raise bad_request("the entity must be a JSON object")
    if "id" not in body:
        raise bad_request("entity id is missing")
    entity_id = check_identifier(body["id"], "entity id")
    entity_type = check_identifier(body.get("type", DEFAULT_TYPE), "entity type")
    rest = {k: v for k, v in body.items() if k not in ("id", "type")}
    return entity_id, entity_type, parse_attrs(rest, key_values)


def _render_attr(attr: Attr, metadata: list[str] | None) -> Attr:
    kept = attr["metadata"]
    if metadata is not None and "*" not in metadata:
        kept = {k: v for k, v in kept.items() if k in metadata}
    return {"type": attr["type"], "value": attr["value"], "metadata": dict(kept)}


def selected(entity: Entity, attrs: list[str] | None) -> dict[str, Attr]:
    """The attributes ATTRS selects (None or `*`: every user attribute; builtins on request)."""
    builtin = {
        "dateCreated": {"type": "DateTime", "value": entity.created, "metadata": {}},
        "dateModified": {"type": "DateTime", "value": entity.modified, "metadata": {}},
    }
    if attrs is None:
        return dict(entity.attrs)
    out: dict[str, Attr] = {}
    for name in attrs:
        if name == "*":
            out.update(entity.attrs)
        elif name in entity.attrs:
            out[name] = entity.attrs[name]
        elif name in builtin:
            out[name] = builtin[name]
    return out


def render(
    entity: Entity,
    mode: str,
    attrs: list[str] | None = None,
    metadata: list[str] | None = None,
    with_identity: bool = True,
) -> Any:
    """The entity as `normalized`, `keyValues`, `values` or `unique` (values without repeats)."""
    chosen = selected(entity, attrs)
    if mode in ("values", "unique"):
        values = [a["value"] for a in chosen.values()]
        if mode == "unique":
            unique: list[Any] = []
            for value in values:
                if value not in unique:
                    unique.append(value)
            values = unique
        return values
    head = {"id": entity.id, "type": entity.type} if with_identity else {}
    if mode == "keyValues":
        return {**head, **{k: a["value"] for k, a in chosen.items()}}
    return {**head, **{k: _render_attr(a, metadata) for k, a in chosen.items()}}


def render_mode(options: set[str], default: str = "normalized") -> str:
    """The representation the `options` ask for."""
    for mode in ("unique", "values", "keyValues"):
        if mode in options:
            return mode
    return default
