"""The query parameters the bundle's OpenAPI declares per operation (strict-parameters feature).

With the bundle feature `strict-parameters` (CIM 009 6.3.20) a query parameter the bundle does
not declare for the operation is answered 400 InvalidRequest instead of being ignored: a filter
the server does not implement (a geo-query, say) must never silently select everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Key = tuple[tuple[str, ...], str]  # (path template with "{}" for variables, METHOD)
_METHODS = ("get", "post", "put", "patch", "delete")


def template_key(parts: tuple[str, ...]) -> tuple[str, ...]:
    """A path template with every variable segment written "{}"."""
    return tuple("{}" if p.startswith("{") else p for p in parts)


def _names(doc: dict[str, Any], params: list[Any]) -> set[str]:
    names = set()
    for param in params:
        if isinstance(param, dict) and "$ref" in param:
            param = doc["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        if isinstance(param, dict) and param.get("in") == "query":
            names.add(str(param["name"]))
    return names


def declared_parameters(openapi: Path) -> dict[Key, frozenset[str]]:
    """(template, METHOD) -> the query parameter names declared for it in OPENAPI."""
    if not openapi.is_file():
        return {}
    doc = yaml.safe_load(openapi.read_text(encoding="utf-8")) or {}
    found: dict[Key, frozenset[str]] = {}
    for path, item in (doc.get("paths") or {}).items():
        shared = _names(doc, item.get("parameters") or [])
        key = template_key(tuple(p for p in path.strip("/").split("/") if p))
        for method in _METHODS:
            if isinstance(item.get(method), dict):
                own = _names(doc, item[method].get("parameters") or [])
                found[(key, method.upper())] = frozenset(shared | own)
    return found
