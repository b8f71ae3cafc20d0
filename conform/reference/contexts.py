"""JSON-LD at the server's edges (bundle feature `jsonld-contexts`, CIM 009 5.5.7, 6.3.5).

Names are stored in one canonical form: compacted with the core context alone, so a client that
sends no context sees exactly what it wrote. A request's type and attribute names (and
VocabProperty values) are expanded with the context it sent (Link header or body @context) and
stored canonically; a response is compacted with the request's context. The processing itself
is pyld's (`conform.jsonld`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conform.jsonld import IDENTITY, ContextLibrary, Names
from conform.reference.attributes import META

Rename = Callable[[str], str]
_KEEP = {"id", "@context", "scope", "createdAt", "modifiedAt", "deletedAt"}
_NAME_LISTS = {"typeList", "typeNames", "attributeList", "attributeNames"}
_NAMES = {"typeName", "attributeName"}


@dataclass(frozen=True)
class Terms:
    """A request's names: to the stored (canonical) form and back to the client's."""

    core: Names = IDENTITY
    client: Names = IDENTITY
    context: list[Any] = field(default_factory=list)  # what the client sent (core left out)

    def canon(self, name: str) -> str:
        """The stored form of a name the client wrote (empty names, keywords, non-strings as
        written: the handlers refuse them)."""
        if not isinstance(name, str) or not name or name.startswith("@"):
            return name
        return self.core.compact(self.client.expand(name))

    def show(self, name: str) -> str:
        """The client's form of a stored name."""
        if not isinstance(name, str) or not name or name.startswith("@"):
            return name
        return self.client.compact(self.core.expand(name))


PLAIN = Terms()


def terms_for(library: ContextLibrary, context: list[Any]) -> Terms:
    """Terms under CONTEXT (ContextNotAvailable / InvalidContext from the library)."""
    return Terms(library.names(), library.names(context), context)


def attribute(value: Any, rename: Rename) -> Any:
    """An attribute (or instances) with sub-attribute names and vocab values renamed."""
    if isinstance(value, list):
        return [attribute(v, rename) if isinstance(v, dict) else v for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, member in value.items():
        if key == "vocab":
            out[key] = [rename(v) for v in member] if isinstance(member, list) else rename(member)
        elif key in META or key == "@context":
            out[key] = member
        else:
            out[rename(key)] = attribute(member, rename)
    return out


def _type(value: Any, rename: Rename) -> Any:
    return [rename(t) for t in value] if isinstance(value, list) else rename(value)


def entity(body: Any, rename: Rename, simplified: bool = False) -> Any:
    """An entity (or fragment) with its type and attribute names renamed."""
    if not isinstance(body, dict):
        return body
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in _KEEP or not isinstance(key, str):
            out[key] = value
        elif key == "type":
            out[key] = _type(value, rename)
        else:
            out[rename(key)] = value if simplified else attribute(value, rename)
    return out


def subscription(body: Any, rename: Rename) -> Any:
    """A subscription with its entity types, watched and notified attributes renamed."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    if isinstance(out.get("entities"), list):
        out["entities"] = [
            {**s, "type": _type(s["type"], rename)} if isinstance(s, dict) and "type" in s else s
            for s in out["entities"]
        ]
    if isinstance(out.get("watchedAttributes"), list):
        out["watchedAttributes"] = [rename(a) for a in out["watchedAttributes"]]
    notification = out.get("notification")
    if isinstance(notification, dict) and isinstance(notification.get("attributes"), list):
        renamed = [rename(a) for a in notification["attributes"]]
        out["notification"] = {**notification, "attributes": renamed}
    return out


def _discovery(body: dict[str, Any], rename: Rename) -> dict[str, Any]:
    out = dict(body)
    for key, value in body.items():
        if key in _NAME_LISTS and isinstance(value, list):
            out[key] = [rename(v) for v in value]
        elif key in _NAMES and isinstance(value, str):
            out[key] = rename(value)
        elif key == "attributeDetails" and isinstance(value, list):
            out[key] = [_discovery(v, rename) if isinstance(v, dict) else v for v in value]
    return out


def request_body(path: list[str], body: Any, rename: Rename) -> Any:
    """A request body of the API path PATH (segments) with its names renamed."""
    if path[0] == "subscriptions":
        return subscription(body, rename)
    if path == ["entityOperations", "query"] and isinstance(body, dict):
        out = subscription(body, rename)  # the same entities selectors
        if isinstance(body.get("attrs"), list):
            out["attrs"] = [rename(a) for a in body["attrs"]]
        return out
    if path[0] == "entities" and len(path) == 4:
        return attribute(body, rename)
    if isinstance(body, list):
        return [entity(item, rename) for item in body]
    return entity(body, rename)


def response_body(body: Any, rename: Rename, simplified: bool) -> Any:
    """A JSON-LD response body (entities, features, subscriptions, discovery) renamed."""
    if isinstance(body, list):
        return [response_body(item, rename, simplified) for item in body]
    if not isinstance(body, dict):
        return body
    kind = body.get("type")
    if kind == "FeatureCollection":
        features = [response_body(f, rename, simplified) for f in body.get("features", [])]
        return {**body, "features": features}
    if kind == "Feature":
        return {**body, "properties": entity(body.get("properties"), rename, simplified)}
    if kind == "Subscription":
        return subscription(body, rename)
    if kind in ("EntityTypeList", "EntityType", "EntityTypeInformation", "AttributeList"):
        return _discovery(body, rename)
    if kind == "Attribute" and "attributeName" in body and "id" in body:
        return _discovery(body, rename)
    return entity(body, rename, simplified)


def type_expression(raw: str, rename: Rename) -> str:
    """A type query parameter (names joined by , | ; and parentheses) renamed."""
    return re.sub(r"[^,|;()]+", lambda m: rename(m.group(0).strip()), raw)
