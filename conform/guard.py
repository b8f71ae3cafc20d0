"""The namespace guard: which ids a request would write, refused unless the run owns them."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Set
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from conform.errors import ConformError
from conform.profiles import Collections

DESTRUCTIVE = frozenset({"PATCH", "PUT", "DELETE"})
WRITES = DESTRUCTIVE | {"POST"}
# Without a profile's `ids_in_text`, a non-JSON body is read as a lax server might: an `id`
# member (quoted or not, `:` or `=`) with a quoted value. Once those are taken out, any other `id`,
# an escape (`\u0069d`, `%69d`, `&#105;d`) or a NUL (UTF-16) could still spell one: refused.
_TEXT_ID = re.compile(r"""(["']?)id\1\s*[:=]\s*(["'])([^"'\\]*)\2""", re.IGNORECASE)
_HIDDEN_ID = re.compile(r"id|[\\%&\x00]", re.IGNORECASE)


class SafetyError(ConformError):
    """A request would have touched data outside the run's namespace; it was not sent."""


class _Unsafe(Exception):
    """The body cannot be read unambiguously (a repeated `id` or batch member)."""


@dataclass(frozen=True)
class Route:
    """An API path taken apart: collection, the id segment after it, the batch operation."""

    rules: Collections
    scope: str  # a leading scope segment ("" or e.g. "temporal"), lowercased
    collection: str  # lowercased first segment after the scope ("entities", ...)
    path_id: str | None  # percent-decoded
    op: str | None  # <batch>/<op>, lowercased
    depth: int  # segments after the collection (1 = /<collection>/<id>)

    @classmethod
    def parse(cls, path: str, rules: Collections) -> Route:
        """Split an API-relative path (query ignored); SafetyError on dot segments."""
        raw = urlsplit(path).path.split("/")[1:]
        if raw and raw[-1] == "":
            raw = raw[:-1]
        segs = [unquote(s) for s in raw]
        if any(s in (".", "..") for s in segs):
            raise SafetyError(f"refused a request with dot segments in its path: {path}")
        scope = segs[0].lower() if segs and segs[0].lower() in rules.scopes else ""
        segs = segs[1:] if scope else segs
        collection = segs[0].lower() if segs else ""
        rest = segs[1:]
        if collection == rules.batch:
            op = rest[0].lower() if rest else None
            return cls(rules, scope, collection, None, op, len(rest))
        return cls(rules, scope, collection, rest[0] if rest else None, None, len(rest))

    @property
    def batch(self) -> bool:
        """Whether this is a batch operation."""
        return self.collection == self.rules.batch

    def resource(self, id_: str) -> str:
        """The API path of resource `id_` in this route's collection."""
        collection = self.rules.batch_target if self.batch else self.collection
        return f"{'/' + self.scope if self.scope else ''}/{collection}/{id_}"


def parse_body(body: bytes | None, member: str = "") -> tuple[Any, str | None]:
    """The JSON value of a request body (None if not JSON) and its text.

    _Unsafe when an object repeats `id` or MEMBER (a batch body's list of items).
    """
    if body is None:
        return None, None
    text = body.decode("utf-8", errors="replace")
    guarded = {"id", member} - {""}

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs if k in guarded]
        if len(keys) != len(set(keys)):
            raise _Unsafe  # servers disagree on which duplicate wins
        return dict(pairs)

    try:
        return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=no_duplicates), text
    except (ValueError, RecursionError):  # too deep to read: judged by the URNs it names
        return None, text


def body_ids(route: Route, value: Any) -> list[str]:
    """Ids a JSON body names at its top level (batch bodies: each element, read from the
    profile's batch member when it has one)."""
    member = route.rules.batch_member
    if route.batch and member and isinstance(value, dict):
        value = value.get(member)  # a lone object there is read as one item: fail closed
    items = value if isinstance(value, list) else [value]
    ids: list[str] = []
    for item in items:
        if isinstance(item, dict) and "id" in item:
            ids += _strings(item["id"]) or [repr(item["id"])]  # a lax server may read either
        elif isinstance(item, str) and route.batch:
            ids.append(item)  # batch delete: an array of ids
    return ids


def names_entities(method: str, route: Route) -> bool:
    """Whether a request names the entities it writes in its body (a create, a batch write)."""
    rules = route.rules
    if method != "POST" or (route.batch and route.op in rules.batch_reads):
        return False
    return route.batch or (route.collection == rules.batch_target and route.depth == 0)


def shape_problem(route: Route, value: Any) -> str:
    """Why a JSON body naming entities is not the documented shape of a profile whose ids are
    recognisable only there (`ids_in_text` empty), or ''."""
    rules = route.rules
    if rules.ids_in_text:
        return ""
    if not isinstance(value, dict):
        return "the body is not a JSON object"
    member = rules.batch_member
    if not route.batch or not member:
        return ""
    items = value.get(member)
    if not isinstance(items, list):
        return f"its {member!r} member is not a list"
    for item in items:
        if not isinstance(item, dict) or "id" not in item:
            return f"an item of {member!r} is not an object with an id"
        if rules.batch_selectors & item.keys():
            return f"an item of {member!r} selects entities by pattern"
    return ""


def text_ids(text: str, rules: Collections) -> list[str] | None:
    """The ids a non-JSON body could name to a lax server, or None when that cannot be known."""
    if rules.ids_in_text:
        return re.findall(rules.ids_in_text, text, re.IGNORECASE)
    if _HIDDEN_ID.search(_TEXT_ID.sub("", text)):
        return None
    return [m.group(3) for m in _TEXT_ID.finditer(text)]


def _named_ids(method: str, path: str, route: Route, value: Any, text: str | None) -> list[str]:
    """The ids a write's body names (VALUE: its JSON, else None); SafetyError when they cannot
    be known."""
    rules = route.rules
    entity_write = names_entities(method, route)
    if value is not None:
        problem = shape_problem(route, value) if entity_write else ""
        if problem:
            raise SafetyError(f"refused {method} {path}: {problem}, so its ids cannot be checked")
        return body_ids(route, value)
    found = text_ids(text or "", rules)  # not JSON, but maybe JSON to a lax server
    batch_text = route.batch and not rules.ids_in_text  # only JSON shows a batch's items
    if entity_write and (found is None or batch_text):
        raise SafetyError(
            f"refused {method} {path}: the body is not JSON, so its ids cannot be checked"
        )
    return found or []


def _strings(value: Any) -> list[str]:
    """The strings in a JSON value (an id sent as a list or object to test it is refused)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | dict):
        items = value.values() if isinstance(value, dict) else value
        return [s for item in items for s in _strings(item)]
    return []


def check(
    method: str,
    path: str,
    body: bytes | None,
    allowed: Callable[[str], bool],
    rules: Collections,
    marked: Callable[[str], bool] | None = None,
) -> None:
    """Raise SafetyError unless every id the request would write is `allowed` (ids its body
    names may instead be `marked`: carry the run's marker, which no existing id does)."""
    method = method.upper()
    if method not in WRITES:
        return
    route = Route.parse(path, rules)
    if method == "POST" and route.batch and route.op in rules.batch_reads:
        return  # e.g. POST /entityOperations/query only reads
    try:
        value, text = parse_body(body, rules.batch_member)
    except _Unsafe:
        raise SafetyError(f"refused {method} {path}: body repeats a member naming ids") from None
    if method in DESTRUCTIVE and route.path_id is None:
        raise SafetyError(f"refused {method} {path}: no resource id in the path")
    named = _named_ids(method, path, route, value, text)
    in_body = allowed if marked is None else (lambda i: allowed(i) or marked(i))
    foreign = [i for i in [route.path_id] if i is not None and not allowed(i)]
    foreign += [i for i in named if not in_body(i)]
    if foreign:
        raise SafetyError(
            f"refused {method} {path}: id {foreign[0]!r} is outside the run's namespace"
        )


def check_tenant(method: str, path: str, tenant: str | None, allowed: Set[str | None]) -> None:
    """Raise SafetyError when a write would go to a TENANT (None: the default one) the system
    file does not name: a run never writes into a tenant it was not given."""
    if method.upper() in WRITES and tenant not in allowed:
        where = "the default tenant" if tenant is None else f"tenant {tenant!r}"
        raise SafetyError(f"refused {method} {path}: {where} is not named in the system file")


Resource = tuple[str, str | None]  # (API path, tenant the request named; None: the default)


class Ledger:
    """Resources the run created ((API path, tenant) → id), in order; thread-safe."""

    def __init__(self, rules: Collections) -> None:
        self.rules = rules
        self._lock = threading.Lock()
        self._items: dict[Resource, str] = {}

    def ids(self) -> list[str]:
        """Ids of the resources still believed to exist."""
        with self._lock:
            return list(dict.fromkeys(self._items.values()))

    def items(self) -> list[tuple[Resource, str]]:
        """((API path, tenant), id) pairs in creation order."""
        with self._lock:
            return list(self._items.items())

    def __contains__(self, id_: object) -> bool:
        with self._lock:
            return id_ in self._items.values()

    def add(self, path: str, id_: str, tenant: str | None = None) -> None:
        """Remember that resource `path` was (maybe) created (in TENANT)."""
        with self._lock:
            self._items[(path, tenant)] = id_

    def forget(self, path: str, tenant: str | None = None) -> None:
        """Forget a resource that was deleted."""
        with self._lock:
            self._items.pop((path, tenant), None)

    def observe(
        self,
        method: str,
        path: str,
        body: bytes | None,
        status: int | None,
        location: str | None,
        tenant: str | None = None,
    ) -> None:
        """Update the ledger from one exchange (status None: no answer, so maybe created)."""
        method = method.upper()
        route = Route.parse(path, self.rules)
        rules = self.rules
        try:
            value, text = parse_body(body, rules.batch_member)
        except _Unsafe:
            return
        ids = body_ids(route, value) if value is not None else text_ids(text or "", rules) or []
        maybe_done = status is None or not 400 <= status < 500
        if method == "POST" and maybe_done and route.depth == 0:
            if route.collection in rules.creating:
                if not ids and status == 201 and location:  # server-chosen id
                    ids = [unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])]
                for id_ in ids:
                    self.add(route.resource(id_), id_, tenant)
        elif method == "POST" and maybe_done and route.batch and route.op in rules.batch_creates:
            for id_ in ids:
                self.add(route.resource(id_), id_, tenant)
        elif method == "DELETE" and status in (200, 204) and route.depth == 1:
            self.forget(route.resource(route.path_id or ""), tenant)
        elif method == "POST" and route.batch and route.op in rules.batch_deletes and status == 204:
            for id_ in ids:
                self.forget(route.resource(id_), tenant)
