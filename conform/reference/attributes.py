"""Entity and attribute validation (CIM 009 4.5) and their output forms (normalized, keyValues)."""

from __future__ import annotations

import copy
import re
from typing import Any

from conform.reference.problems import bad_data, invalid_request

# the member holding each attribute type's value
VALUE_KEYS = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "JsonProperty": "json",
    "VocabProperty": "vocab",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
}
SYSTEM = ("createdAt", "modifiedAt", "deletedAt")
# members of an attribute that are not sub-attributes
META = {"type", "observedAt", "unitCode", "datasetId", "instanceId", *SYSTEM, *VALUE_KEYS.values()}
ENTITY_META = ("id", "type", "scope", "@context")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:/#-]*$")  # the bundle's Name schema
_GEO_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def is_uri(value: object) -> bool:
    """Whether the value is an absolute URI (scheme ':' rest), as entity ids must be."""
    return isinstance(value, str) and bool(_URI.match(value))


def check_uri(value: object, what: str) -> str:
    """The value if it is a URI, else 400 BadRequestData naming `what`."""
    if not is_uri(value):
        raise bad_data(f"{what} is not a valid URI: {value!r}")
    return str(value)


def check_name(name: object, what: str) -> None:
    """400 BadRequestData unless the value is an NGSI-LD name (the bundle's Name pattern)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise bad_data(f"invalid {what} name: {name!r}")


def check_type(value: object) -> None:
    """An entity type is a valid name or a non-empty list of them."""
    names = value if isinstance(value, list) and value else [value]
    for name in names:
        check_name(name, "entity type")


def _check_geometry(name: str, value: object) -> None:
    if not isinstance(value, dict) or value.get("type") not in _GEO_TYPES:
        raise bad_data(f"attribute {name!r}: GeoProperty value must be a GeoJSON geometry")
    if not isinstance(value.get("coordinates"), list):
        raise bad_data(f"attribute {name!r}: GeoJSON geometry lacks coordinates")


def _check_instance(name: str, attr: object) -> dict[str, Any]:
    if isinstance(attr, str | int | float) and name != "location":
        attr = {"type": "Property", "value": attr}  # concise form of a Property
    if not isinstance(attr, dict):
        raise bad_data(f"attribute {name!r} must be an object with a type")
    kind = attr.get("type")
    if not isinstance(kind, str) or kind not in VALUE_KEYS:
        raise bad_data(f"attribute {name!r} has an unknown type {kind!r}")
    if name == "location" and kind != "GeoProperty":
        raise bad_data("attribute 'location' must be a GeoProperty")
    key = VALUE_KEYS[kind]
    if attr.get(key) is None:
        raise bad_data(f"attribute {name!r} ({kind}) needs a non-null {key!r}")
    if kind == "Relationship":
        targets = attr[key] if isinstance(attr[key], list) else [attr[key]]
        for target in targets:
            check_uri(target, f"object of relationship {name!r}")
    if kind == "GeoProperty":
        _check_geometry(name, attr[key])
    if "datasetId" in attr:
        check_uri(attr["datasetId"], f"datasetId of {name!r}")
    clean = {k: v for k, v in attr.items() if k not in SYSTEM}
    for sub, value in clean.items():
        if sub not in META:
            check_name(sub, "sub-attribute")
            clean[sub] = _check_instance(f"{name}.{sub}", value)
    return clean


def check_attribute(name: str, attr: object) -> Any:
    """A validated copy of one attribute (single or multi-instance), without system members."""
    check_name(name, "attribute")
    if not isinstance(attr, list):
        return _check_instance(name, attr)
    if not attr:
        raise bad_data(f"attribute {name!r} is an empty list of instances")
    instances = [_check_instance(name, a) for a in attr]
    dataset_ids = [i.get("datasetId") for i in instances]
    if len(set(dataset_ids)) != len(dataset_ids):
        raise bad_data(f"attribute {name!r} has instances with the same datasetId")
    return instances


def check_fragment(body: object) -> dict[str, Any]:
    """Validated attributes of a fragment body (append / update); id and type are ignored."""
    if not isinstance(body, dict):
        raise invalid_request("request body must be a JSON object")
    attrs = {k: check_attribute(k, v) for k, v in body.items() if k not in (*ENTITY_META, *SYSTEM)}
    if not attrs:
        raise bad_data("the request names no attribute")
    return attrs


def check_entity(body: object) -> dict[str, Any]:
    """A validated normalized copy of an entity body: id (URI), type, attributes."""
    if not isinstance(body, dict):
        raise invalid_request("request body must be a JSON object")
    if "id" not in body or "type" not in body:
        raise bad_data("an entity needs an id and a type")
    check_uri(body["id"], "entity id")
    check_type(body["type"])
    entity: dict[str, Any] = {"id": body["id"], "type": copy.deepcopy(body["type"])}
    if "scope" in body:
        entity["scope"] = copy.deepcopy(body["scope"])
    entity.update(
        {k: check_attribute(k, v) for k, v in body.items() if k not in (*ENTITY_META, *SYSTEM)}
    )
    return entity


def attribute_names(entity: dict[str, Any]) -> list[str]:
    """The entity's attribute names (not id, type, scope)."""
    return [k for k in entity if k not in ENTITY_META]


def types_of(entity: dict[str, Any]) -> list[str]:
    """The entity's types as a list."""
    kind = entity["type"]
    return list(kind) if isinstance(kind, list) else [kind]


def _instances(attr: Any) -> list[dict[str, Any]]:
    return attr if isinstance(attr, list) else [attr]


def simple_value(attr: Any) -> Any:
    """The keyValues form of an attribute: its value, object, languageMap, ..."""
    values = [i.get(VALUE_KEYS.get(i.get("type", ""), "value")) for i in _instances(attr)]
    return values if isinstance(attr, list) else values[0]


def key_values(entity: dict[str, Any]) -> dict[str, Any]:
    """The keyValues simplification of a normalized entity."""
    return {k: v if k in ENTITY_META else simple_value(v) for k, v in entity.items()}


def attr_types(attr: Any) -> list[str]:
    """The attribute types used by an attribute's instances."""
    return sorted({i.get("type", "Property") for i in _instances(attr)})


def render(
    entity: dict[str, Any],
    times: dict[str, tuple[str, str]],
    attrs: set[str] | None = None,
    simplified: bool = False,
    sys_attrs: bool = False,
) -> dict[str, Any]:
    """An output copy of an entity, projected onto `attrs`, simplified or with system times."""
    out = {
        k: copy.deepcopy(v)
        for k, v in entity.items()
        if k in ENTITY_META or attrs is None or k in attrs
    }
    if simplified:
        return key_values(out)
    if sys_attrs:
        for key in ["", *attribute_names(out)]:
            created, modified = times.get(key, ("", ""))
            for target in [out] if key == "" else _instances(out[key]):
                target.update(createdAt=created, modifiedAt=modified)
    return out
