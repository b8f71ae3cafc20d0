"""Entity representations: key-values, NGSI-LD normalized, NGSI v2 normalized.

Models describe the key-values form. A normalized entity is converted to key-values first;
a violation found there is pointed back into the original document (`/status` becomes
`/status/value`, `/refX` becomes `/refX/object`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conform.bundle.files import pointer_token


class Form(StrEnum):
    """How the documents of a data file are written (`auto`: detected per document)."""

    KEY_VALUES = "key-values"
    NORMALIZED = "normalized"
    AUTO = "auto"


KEY_VALUES = "key-values"
NGSI_LD = "normalized NGSI-LD"
NGSI_V2 = "normalized NGSI v2"

# NGSI-LD attribute type -> the member holding its key-values value
_LD_VALUE = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
    "VocabProperty": "vocab",
    "JsonProperty": "json",
}
_V2_MEMBERS = {"type", "value", "metadata"}
_TYPED_VALUE = {"@type", "@value"}  # a JSON-LD value object: {"@type": "DateTime", "@value": ...}
# members of an entity that are not attributes, in either API
_NOT_ATTRIBUTES = {"id", "type", "@context", "scope", "createdAt", "modifiedAt", "deletedAt"}


@dataclass(frozen=True)
class KeyValues:
    """A document in key-values form, the form it was detected as, and pointer rewriting."""

    document: Any
    form: str
    origins: dict[str, str]  # key-values attribute -> its value's pointer in the original
    problems: tuple[tuple[str, str], ...] = ()  # (pointer, message): not an attribute

    def original_pointer(self, pointer: str) -> str:
        """POINTER (into the key-values document) as a pointer into the original document."""
        head, sep, rest = pointer[1:].partition("/")
        origin = self.origins.get(head.replace("~1", "/").replace("~0", "~"))
        return origin + sep + rest if origin is not None else pointer


def _ld_member(attr: Any) -> str | None:
    """The value member of an NGSI-LD attribute object, or None if ATTR is not one."""
    if isinstance(attr, dict):
        member = _LD_VALUE.get(attr.get("type", ""))
        if member and member in attr:
            return member
    return None


def _is_v2(attr: Any) -> bool:
    return isinstance(attr, dict) and "value" in attr and attr.keys() <= _V2_MEMBERS


def _attributes(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in _NOT_ATTRIBUTES}


def _ld_instance(attr: Any) -> tuple[Any, str] | None:
    """(attribute object, pointer suffix) of an attribute or of the default of several instances."""
    if _ld_member(attr):
        return attr, ""
    if isinstance(attr, list) and attr and all(_ld_member(a) for a in attr):
        index = next((i for i, a in enumerate(attr) if "datasetId" not in a), 0)
        return attr[index], f"/{index}"
    return None


def detect(doc: Any) -> str:
    """Which form DOC is written in: KEY_VALUES, NGSI_LD or NGSI_V2."""
    if not isinstance(doc, dict):
        return KEY_VALUES
    attrs = _attributes(doc)
    if attrs and all(_ld_instance(a) for a in attrs.values()):
        return NGSI_LD
    if attrs and all(_is_v2(a) for a in attrs.values()):
        return NGSI_V2
    return KEY_VALUES


def to_key_values(doc: Any, form: Form) -> KeyValues:
    """DOC in key-values form, as FORM says it is written (AUTO: as detected)."""
    found = detect(doc) if form is Form.AUTO else (KEY_VALUES if form is Form.KEY_VALUES else "")
    if found == KEY_VALUES or not isinstance(doc, dict):
        return KeyValues(doc, KEY_VALUES, {})
    if not found:  # --form normalized: NGSI-LD unless the document reads as NGSI v2
        found = NGSI_V2 if detect(doc) == NGSI_V2 else NGSI_LD
    out: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for name, attr in doc.items():
        where = f"/{pointer_token(name)}"
        if name in _NOT_ATTRIBUTES:
            out[name] = attr
            continue
        if found == NGSI_V2 and _is_v2(attr):
            out[name], origins[name] = attr["value"], f"{where}/value"
            continue
        instance = _ld_instance(attr) if found == NGSI_LD else None
        if instance is None:
            kind = (
                "an NGSI-LD attribute (type and value/object)"
                if found == NGSI_LD
                else ("an NGSI v2 attribute (type, value, metadata)")
            )
            problems.append((where, f"expected {kind} in a {found} entity"))
            continue
        attr_obj, suffix = instance
        member = _ld_member(attr_obj)
        assert member is not None
        value, origin = attr_obj[member], f"{where}{suffix}/{member}"
        if isinstance(value, dict) and "@value" in value and value.keys() <= _TYPED_VALUE:
            value, origin = value["@value"], f"{origin}/@value"  # e.g. a typed DateTime
        out[name], origins[name] = value, origin
    return KeyValues(out, found, origins, tuple(problems))
