"""The temporal API (CIM 009 5.6.11-5.6.16, 5.7.3-5.7.4): attribute instances over observedAt.

The history is written through /temporal/entities only (the entity API keeps the current state,
as the standard allows). Every instance must carry observedAt; timerel (before, after, between),
timeAt, endTimeAt and lastN select instances by it, `options=temporalValues` simplifies them to
[value, observedAt] pairs, and a query is paginated by entity like GET /entities.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from conform.reference.attributes import (
    ENTITY_META,
    VALUE_KEYS,
    check_attribute,
    check_entity,
    check_uri,
)
from conform.reference.filters import build_filter, select, split_list
from conform.reference.messages import API_BASE, Request, Response, empty, ld
from conform.reference.pagination import paginate, parse_page
from conform.reference.problems import bad_data, invalid_request, not_found
from conform.reference.state import Services

TIMERELS = ("before", "after", "between")
History = dict[str, Any]  # {"id", "type", attr name: [instances]}


def _instant(raw: object, what: str) -> datetime:
    """A DateTime with a time zone; 400 BadRequestData otherwise."""
    try:
        stamp = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_data(f"{what} {raw!r} is not a DateTime") from exc
    if stamp.tzinfo is None:
        raise bad_data(f"{what} {raw!r} has no time zone (end it with Z)")
    return stamp


def _instances(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Attribute name -> its validated instances, each with an observedAt."""
    out = {}
    for name, value in body.items():
        if name in ENTITY_META:
            continue
        items = value if isinstance(value, list) else [value]
        checked = [check_attribute(name, item) for item in items]
        if not checked:
            raise bad_data(f"attribute {name!r} has no instance")
        for item in checked:
            _instant(item.get("observedAt"), f"observedAt of {name!r}")
        out[name] = checked
    return out


def _add(history: History, instances: dict[str, list[dict[str, Any]]]) -> None:
    for name, items in instances.items():
        history.setdefault(name, []).extend(copy.deepcopy(items))


def _lookup(svc: Services, req: Request) -> History:
    entity_id = check_uri(req.params["id"], "entity id")
    history = svc.store.temporal.get(entity_id)
    if history is None:
        raise not_found(f"no temporal representation of {entity_id}")
    return history


def upsert(svc: Services, req: Request) -> Response:
    """POST /temporal/entities: 201 + Location for a new entity, 204 when instances are added."""
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    entity = check_entity({k: v for k, v in req.body.items() if k in ("id", "type")})
    instances = _instances({k: v for k, v in req.body.items() if k != "@context"})
    history = svc.store.temporal.get(entity["id"])
    if history is not None:
        _add(history, instances)
        return empty(204)
    history = {"id": entity["id"], "type": entity["type"]}
    _add(history, instances)
    svc.store.temporal[entity["id"]] = history
    return empty(201, [("Location", f"{API_BASE}/temporal/entities/{entity['id']}")])


def append(svc: Services, req: Request) -> Response:
    """POST /temporal/entities/{id}/attrs: add instances (204), 404 for an unknown entity."""
    history = _lookup(svc, req)
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    instances = _instances({k: v for k, v in req.body.items() if k != "@context"})
    if not instances:
        raise bad_data("the request names no attribute")
    _add(history, instances)
    return empty(204)


def delete(svc: Services, req: Request) -> Response:
    """DELETE /temporal/entities/{id}: 204 / 404."""
    del svc.store.temporal[_lookup(svc, req)["id"]]
    return empty(204)


class _Window:
    """Which instances a request selects: timerel/timeAt/endTimeAt, then the lastN latest."""

    def __init__(self, req: Request) -> None:
        q = req.query
        timerel, self.last_n = q.get("timerel"), None
        self.start: datetime | None = None  # after: strictly later; between: from it on
        self.end: datetime | None = None  # strictly earlier
        self.from_start = False
        if timerel is not None:
            if timerel not in TIMERELS:
                raise bad_data(f"timerel {timerel!r} is not one of {', '.join(TIMERELS)}")
            if "timeAt" not in q:
                raise bad_data("timerel needs timeAt")
            at = _instant(q["timeAt"], "timeAt")
            if timerel == "between":
                if "endTimeAt" not in q:
                    raise bad_data("timerel=between needs endTimeAt")
                self.start, self.end = at, _instant(q["endTimeAt"], "endTimeAt")
                self.from_start = True
                if self.end <= self.start:
                    raise bad_data("endTimeAt must be after timeAt")
            elif timerel == "before":
                self.end = at
            else:
                self.start = at
        elif "timeAt" in q or "endTimeAt" in q:
            raise bad_data("timeAt and endTimeAt need timerel")
        if "lastN" in q:
            raw = q["lastN"]
            if not raw.isdigit() or int(raw) < 1:
                raise bad_data(f"lastN must be a positive integer, got {raw!r}")
            self.last_n = int(raw)

    def _inside(self, t: datetime) -> bool:
        if self.start is not None and (t < self.start or (t == self.start and not self.from_start)):
            return False
        return self.end is None or t < self.end

    def keep(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The selected instances, oldest first."""
        timed = sorted(
            ((_instant(i["observedAt"], "observedAt"), i) for i in items), key=lambda p: p[0]
        )
        chosen = [i for t, i in timed if self._inside(t)]
        return chosen[-self.last_n :] if self.last_n else chosen


def _render(history: History, window: _Window, attrs: set[str], simplified: bool) -> Any:
    out: dict[str, Any] = {"id": history["id"], "type": history["type"]}
    for name, items in history.items():
        if name in ("id", "type") or (attrs and name not in attrs):
            continue
        kept = window.keep(items)
        if not kept:
            continue
        if simplified:
            kind = kept[0]["type"]
            key = VALUE_KEYS.get(kind, "value")
            out[name] = {"type": kind, "values": [[i[key], i["observedAt"]] for i in kept]}
        else:
            out[name] = copy.deepcopy(kept)
    return out


def retrieve(svc: Services, req: Request) -> Response:
    """GET /temporal/entities/{id}: the instances the window selects, per attribute."""
    history = _lookup(svc, req)
    window = _Window(req)
    attrs = set(split_list(req.query.get("attrs")))
    return ld(_render(history, window, attrs, "temporalValues" in req.options()))


def query(svc: Services, req: Request) -> Response:
    """GET /temporal/entities: entities by type/id/idPattern/attrs, paginated by entity."""
    q = req.query
    window = _Window(req)
    if q.get("timerel") is None:
        raise bad_data("a temporal query needs timerel and timeAt")
    flt = build_filter(
        q.get("type"), q.get("id"), q.get("idPattern"), q.get("attrs"), None,
        rename=req.terms.canon,
    )  # fmt: skip
    page = parse_page(req, svc.settings)
    response = paginate(req, page, select(svc.store.temporal, flt))
    attrs = set(split_list(q.get("attrs")))
    simplified = "temporalValues" in req.options()
    response.body = [_render(h, window, attrs, simplified) for h in response.body]
    return response
