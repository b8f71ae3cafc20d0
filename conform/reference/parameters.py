"""The query parameters the bundle's OpenAPI declares per operation (strict-parameters feature).

With the bundle feature `strict-parameters` (CIM 009 6.3.20) a query parameter the bundle does
not declare for the operation is answered 400 InvalidRequest instead of being ignored: a filter
the server does not implement (a geo-query, say) must never silently select everything.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from conform.bundle.operations import query_parameters

Key = tuple[tuple[str, ...], str]  # (path template with "{}" for variables, METHOD)


def template_key(parts: tuple[str, ...]) -> tuple[str, ...]:
    """A path template with every variable segment written "{}"."""
    return tuple("{}" if p.startswith("{") else p for p in parts)


def declared_parameters(openapi: Path) -> dict[Key, frozenset[str]]:
    """(template, METHOD) -> the query parameter names declared for it in OPENAPI."""
    if not openapi.is_file():
        return {}
    doc = yaml.safe_load(openapi.read_text(encoding="utf-8")) or {}
    return {
        (template_key(tuple(p for p in path.strip("/").split("/") if p)), method): names
        for (path, method), names in query_parameters(doc).items()
    }
