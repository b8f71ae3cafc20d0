"""The Simple Query Language of `q` and `mq`: parsing into statements, matching entities."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conform.reference.ngsi_v2.entity import Entity
from conform.reference.ngsi_v2.errors import bad_request

_BINARY = re.compile(r"^(?P<path>[^=!<>~]+)(?P<op>==|!=|>=|<=|~=|>|<|:)(?P<value>.*)$")
_PATH = re.compile(r"^[^\s&?/#<>;()=!~']+$")
_MISSING = object()


@dataclass(frozen=True)
class Literal:
    """A value in a statement: its text (quotes removed) and its JSON reading."""

    text: str
    value: Any

    @classmethod
    def parse(cls, raw: str) -> Literal:
        if len(raw) >= 2 and raw[0] == raw[-1] == "'":
            return cls(raw[1:-1], raw[1:-1])
        if raw in ("true", "false"):
            return cls(raw, raw == "true")
        try:
            number = float(raw)
        except ValueError:
            return cls(raw, raw)
        return cls(raw, int(number) if number.is_integer() and "." not in raw else number)


@dataclass(frozen=True)
class Statement:
    """One statement: a path (attribute[.sub] or attribute.metadata[.sub]), an operator, values."""

    path: tuple[str, ...]
    op: str  # "exists", "!exists", "==", "!=", ">", ">=", "<", "<=", "~=", "range"
    values: tuple[Literal, ...] = ()


def _split(text: str, sep: str) -> list[str]:
    """Split on SEP outside single quotes."""
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def _path(raw: str, what: str, metadata: bool) -> tuple[str, ...]:
    raw = raw.strip()
    if raw.startswith("'") and raw.endswith("'") and len(raw) > 2:
        return (raw[1:-1],)
    segments = tuple(raw.split("."))
    if not raw or not all(_PATH.match(s) for s in segments) or (metadata and len(segments) < 2):
        raise bad_request(f"invalid {what}: bad path {raw!r}")
    return segments


def parse(text: str, what: str = "q", metadata: bool = False) -> list[Statement]:
    """The statements of a q (or mq) expression; 400 BadRequest when it is not well-formed."""
    statements = []
    for part in _split(text, ";"):
        part = part.strip()
        if not part:
            raise bad_request(f"invalid {what}: empty statement")
        match = _BINARY.match(part)
        if match is None:
            negated = part.startswith("!")
            path = _path(part[1:] if negated else part, what, metadata)
            statements.append(Statement(path, "!exists" if negated else "exists"))
            continue
        op = "==" if match["op"] == ":" else match["op"]
        path, raw = _path(match["path"], what, metadata), match["value"]
        if raw == "":
            raise bad_request(f"invalid {what}: no value after {op}")
        if op in ("==", "!=") and ".." in raw and not raw.startswith("'"):
            low, _, high = raw.partition("..")
            if not low or not high:
                raise bad_request(f"invalid {what}: bad range {raw!r}")
            statements.append(Statement(path, "range", (Literal.parse(low), Literal.parse(high))))
            if op == "!=":
                statements[-1] = Statement(path, "!range", statements[-1].values)
            continue
        if op == "~=":
            try:
                re.compile(raw)
            except re.error as exc:
                raise bad_request(f"invalid {what}: bad pattern {raw!r}: {exc}") from exc
            values: tuple[Literal, ...] = (Literal(raw, raw),)
        elif op in ("==", "!="):
            values = tuple(Literal.parse(v) for v in _split(raw, ","))
        else:
            values = (Literal.parse(raw),)
        statements.append(Statement(path, op, values))
    return statements


def _dig(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _q_target(entity: Entity, path: tuple[str, ...]) -> Any:
    if path == ("id",):
        return entity.id
    if path == ("type",):
        return entity.type
    attr = entity.attrs.get(path[0])
    return _MISSING if attr is None else _dig(attr["value"], path[1:])


def _mq_target(entity: Entity, path: tuple[str, ...]) -> Any:
    attr = entity.attrs.get(path[0])
    meta = None if attr is None else attr["metadata"].get(path[1])
    return _MISSING if meta is None else _dig(meta["value"], path[2:])


def _comparable(actual: Any, literal: Literal) -> tuple[Any, Any] | None:
    """Both sides in one comparable kind, or None when they cannot be compared."""
    if isinstance(actual, bool) or isinstance(literal.value, bool):
        return (actual, literal.value) if type(actual) is type(literal.value) else None
    if isinstance(actual, int | float) and isinstance(literal.value, int | float):
        return actual, literal.value
    if isinstance(actual, str):
        return actual, literal.text
    return None


def _equal(actual: Any, literal: Literal) -> bool:
    pair = _comparable(actual, literal)
    return pair is not None and pair[0] == pair[1]


def _compare(actual: Any, literal: Literal, test: Callable[[Any, Any], bool]) -> bool:
    pair = _comparable(actual, literal)
    return pair is not None and test(*pair)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _holds(statement: Statement, actual: Any) -> bool:
    op, values = statement.op, statement.values
    if op == "exists":
        return actual is not _MISSING
    if op == "!exists":
        return actual is _MISSING
    if actual is _MISSING:
        return False
    if op == "==":
        items = actual if isinstance(actual, list) else [actual]
        return any(_equal(item, v) for item in items for v in values)
    if op == "!=":
        return not any(_equal(actual, v) for v in values)
    if op in ("range", "!range"):
        inside = _compare(actual, values[0], _ORDER[">="]) and _compare(
            actual, values[1], _ORDER["<="]
        )
        return inside if op == "range" else not inside
    if op == "~=":
        return isinstance(actual, str) and re.search(values[0].text, actual) is not None
    return _compare(actual, values[0], _ORDER[op])


def matches(entity: Entity, q: list[Statement], mq: list[Statement]) -> bool:
    """Whether the entity satisfies every q and mq statement."""
    return all(_holds(s, _q_target(entity, s.path)) for s in q) and all(
        _holds(s, _mq_target(entity, s.path)) for s in mq
    )
