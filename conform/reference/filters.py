"""Entity selection for queries: type, id, idPattern, attrs and q (CIM 009 5.7.2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conform.reference.attributes import check_uri, types_of
from conform.reference.geoquery import GeoQuery
from conform.reference.problems import bad_data
from conform.reference.query import Predicate, compile_q


def split_list(raw: str | None) -> list[str]:
    """A comma-separated parameter as a list (empty when absent)."""
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def compile_pattern(raw: str) -> re.Pattern[str]:
    """An idPattern regex; 400 BadRequestData when it does not compile."""
    try:
        return re.compile(raw)
    except re.error as exc:
        raise bad_data(f"invalid idPattern {raw!r}: {exc}") from exc


@dataclass(frozen=True)
class EntityFilter:
    """What a query selects; every given criterion must hold."""

    types: frozenset[str] | None = None
    ids: frozenset[str] | None = None
    pattern: re.Pattern[str] | None = None
    attrs: frozenset[str] | None = None
    q: Predicate | None = None
    geo: GeoQuery | None = None

    def matches(self, entity: dict[str, Any]) -> bool:
        """Whether the entity satisfies the filter."""
        return (
            (self.types is None or bool(self.types.intersection(types_of(entity))))
            and (self.ids is None or entity["id"] in self.ids)
            and (self.pattern is None or self.pattern.fullmatch(entity["id"]) is not None)
            and (self.attrs is None or any(a in entity for a in self.attrs))
            and (self.q is None or self.q(entity))
            and (self.geo is None or self.geo.matches(entity))
        )


def build_filter(
    types: str | None,
    ids: str | None,
    pattern: str | None,
    attrs: str | None,
    q: str | None,
    local: bool = False,
    rename: Callable[[str], str] = str,
    geo: GeoQuery | None = None,
) -> EntityFilter:
    """A filter from query parameters; 400 BadRequestData when it is missing or invalid."""
    if not (types or attrs or q or local or geo):
        raise bad_data("a query needs at least one of type, attrs, q or a geo-query")
    id_list = [check_uri(i, "id") for i in split_list(ids)]
    return EntityFilter(
        types=frozenset(re.split(r"[,|]", types)) if types else None,
        ids=frozenset(id_list) if id_list else None,
        pattern=compile_pattern(pattern) if pattern else None,
        attrs=frozenset(split_list(attrs)) if attrs else None,
        q=compile_q(q, rename) if q else None,
        geo=geo,
    )


def selector_matches(selector: dict[str, Any], entity: dict[str, Any]) -> bool:
    """Whether an entity matches an EntityInfo selector {type, id?, idPattern?}."""
    pattern = selector.get("idPattern")
    return (
        selector.get("type") in types_of(entity)
        and selector.get("id", entity["id"]) == entity["id"]
        and (not pattern or compile_pattern(pattern).fullmatch(entity["id"]) is not None)
    )


def select(entities: dict[str, dict[str, Any]], flt: EntityFilter) -> list[dict[str, Any]]:
    """The matching entities in insertion order."""
    return [e for e in entities.values() if flt.matches(e)]
