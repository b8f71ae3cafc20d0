"""The operations of a bundle's OpenAPI document and the query parameters each declares."""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


def query_parameters(doc: dict[str, Any]) -> dict[tuple[str, str], frozenset[str]]:
    """(path, METHOD) -> the names of the query parameters declared for that operation."""
    components = (doc.get("components") or {}).get("parameters") or {}

    def names(items: list[Any]) -> set[str]:
        found = set()
        for item in items:
            if isinstance(item, dict) and "$ref" in item:
                item = components.get(str(item["$ref"]).rsplit("/", 1)[-1], {})
            if isinstance(item, dict) and item.get("in") == "query":
                found.add(str(item.get("name")))
        return found

    operations: dict[tuple[str, str], frozenset[str]] = {}
    for path, item in (doc.get("paths") or {}).items():
        shared = names(item.get("parameters") or [])
        for method in METHODS:
            if isinstance(item.get(method), dict):
                own = names(item[method].get("parameters") or [])
                operations[(path, method.upper())] = frozenset(shared | own)
    return operations
