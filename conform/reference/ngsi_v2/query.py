"""Entity queries: selection (ids, types, patterns, q, mq, geo), ordering and pagination."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from conform.reference.ngsi_v2.entity import Entity
from conform.reference.ngsi_v2.errors import bad_request
from conform.reference.ngsi_v2.geo import GeoQuery, distance_m, location
from conform.reference.ngsi_v2.sql import Statement, matches, parse


def _regex(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise bad_request(f"invalid {what}: {exc}") from exc


@dataclass(frozen=True)
class Selector:
    """Which entities: one element of op/query `entities` or the id/type URL parameters."""

    ids: tuple[str, ...] = ()
    id_pattern: re.Pattern[str] | None = None
    types: tuple[str, ...] = ()
    type_pattern: re.Pattern[str] | None = None

    @classmethod
    def build(
        cls, ids: str | None, id_pattern: str | None, types: str | None, type_pattern: str | None
    ) -> Selector:
        """From comma-separated lists and patterns; 400 for incompatible combinations."""
        if ids is not None and id_pattern is not None:
            raise bad_request("id and idPattern cannot be used together")
        if types is not None and type_pattern is not None:
            raise bad_request("type and typePattern cannot be used together")
        return cls(
            tuple(i for i in (ids or "").split(",") if i),
            _regex(id_pattern, "idPattern") if id_pattern is not None else None,
            tuple(t for t in (types or "").split(",") if t),
            _regex(type_pattern, "typePattern") if type_pattern is not None else None,
        )

    @classmethod
    def from_json(cls, item: Any) -> Selector:
        """From `{"id"|"idPattern", "type"|"typePattern"}` (op/query, subscription subject)."""
        if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
            raise bad_request("an entities element is an object of strings")
        if not {"id", "idPattern", "type", "typePattern"} & item.keys():
            raise bad_request("an entities element needs id, idPattern, type or typePattern")
        return cls.build(
            item.get("id"), item.get("idPattern"), item.get("type"), item.get("typePattern")
        )

    def selects(self, entity: Entity) -> bool:
        """Whether the entity is one this selector names."""
        if self.ids and entity.id not in self.ids:
            return False
        if self.id_pattern is not None and not self.id_pattern.search(entity.id):
            return False
        if self.types and entity.type not in self.types:
            return False
        return self.type_pattern is None or bool(self.type_pattern.search(entity.type))


@dataclass(frozen=True)
class Filter:
    """The whole selection of a query."""

    selectors: tuple[Selector, ...]
    q: tuple[Statement, ...] = ()
    mq: tuple[Statement, ...] = ()
    geo: GeoQuery | None = None

    @classmethod
    def build(cls, selectors: tuple[Selector, ...], expression: dict[str, Any]) -> Filter:
        """From selectors and q, mq, georel, geometry, coords."""
        q, mq = expression.get("q"), expression.get("mq")
        return cls(
            selectors,
            tuple(parse(q, "q")) if q is not None else (),
            tuple(parse(mq, "mq", metadata=True)) if mq is not None else (),
            GeoQuery.parse(
                expression.get("georel"), expression.get("geometry"), expression.get("coords")
            ),
        )

    def selects(self, entity: Entity) -> bool:
        """Whether the entity matches every part of the filter."""
        if self.selectors and not any(s.selects(entity) for s in self.selectors):
            return False
        if not matches(entity, list(self.q), list(self.mq)):
            return False
        return self.geo is None or self.geo.holds(location(entity))


_RANK = {type(None): 0, int: 1, float: 1, str: 2, dict: 3, list: 4, bool: 5}


def _sort_key(entity: Entity, field: str, geo: GeoQuery | None) -> tuple[int, Any]:
    if field == "geo:distance":
        where = location(entity)
        return (0, distance_m(geo.geometry, where)) if geo and where is not None else (1, 0.0)
    if field in ("id", "type"):
        return (2, getattr(entity, field))
    if field in ("dateCreated", "dateModified"):
        return (2, entity.created if field == "dateCreated" else entity.modified)
    attr = entity.attrs.get(field)
    if attr is None:
        return (-1, 0)
    value = attr["value"]
    rank = _RANK.get(type(value), 6)
    return (rank, value if rank in (1, 2) else str(value))


def order(entities: list[Entity], order_by: str | None, geo: GeoQuery | None) -> list[Entity]:
    """ENTITIES by creation time, or by the orderBy fields (`!` reverses one)."""
    result = sorted(entities, key=lambda e: e.seq)
    if not order_by:
        return result
    fields = [f.strip() for f in order_by.split(",")]
    if any(not f or f == "!" for f in fields):
        raise bad_request(f"invalid orderBy {order_by!r}")
    if "geo:distance" in fields and (geo is None or geo.relation != "near"):
        raise bad_request("orderBy=geo:distance needs georel=near")
    for field in reversed(fields):
        descending = field.startswith("!")
        name = field[1:] if descending else field
        result.sort(key=functools.partial(_sort_key, field=name, geo=geo), reverse=descending)
    return result


def page(query: dict[str, str], page_size: int, max_limit: int) -> tuple[int, int]:
    """(limit, offset) from the URL; 400 BadRequest when either is malformed or out of range."""
    limit_text, offset_text = query.get("limit"), query.get("offset")
    limit, offset = page_size, 0
    if limit_text is not None:
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= max_limit:
            raise bad_request(f"Bad pagination limit: /{limit_text}/ [1..{max_limit}]")
        limit = int(limit_text)
    if offset_text is not None:
        if not offset_text.isdigit():
            raise bad_request(f"Bad pagination offset: /{offset_text}/ [must be >= 0]")
        offset = int(offset_text)
    return limit, offset
