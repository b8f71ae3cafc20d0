"""The NGSI-LD query language subset (CIM 009 4.9): parse `q` once, evaluate it on entities."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from conform.reference.attributes import simple_value
from conform.reference.problems import bad_data

Predicate = Callable[[dict[str, Any]], bool]

_OPS = ("==", "!=", ">=", "<=", "!~=", "~=", ">", "<")
_PATH = re.compile(r"[A-Za-z0-9_@#:/\-]+(\.[A-Za-z0-9_@#:/\-]+)*(\[[A-Za-z0-9_@#:/\-]+\])*")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$|^\d{2}:\d{2}(:[\d.]+)?Z?$")
_NOT_FOUND = object()


class _Parser:
    """Recursive descent over the q string; every syntax error is 400 BadRequestData."""

    def __init__(self, text: str, rename: Callable[[str], str]) -> None:
        self.text = text
        self.pos = 0
        self.rename = rename  # an attribute name as written -> as stored (JSON-LD)

    def fail(self, why: str) -> Exception:
        return bad_data(f"invalid q {self.text!r} at position {self.pos}: {why}")

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def parse(self) -> Predicate:
        pred = self.expr()
        if self.pos != len(self.text):
            raise self.fail("unexpected character")
        return pred

    def expr(self) -> Predicate:
        terms = [self.conjunction()]
        while self.peek() == "|":
            self.pos += 1
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else lambda e: any(t(e) for t in terms)

    def conjunction(self) -> Predicate:
        terms = [self.atom()]
        while self.peek() == ";":
            self.pos += 1
            terms.append(self.atom())
        return terms[0] if len(terms) == 1 else lambda e: all(t(e) for t in terms)

    def atom(self) -> Predicate:
        if self.peek() == "(":
            self.pos += 1
            pred = self.expr()
            if self.peek() != ")":
                raise self.fail("missing ')'")
            self.pos += 1
            return pred
        match = _PATH.match(self.text, self.pos)
        if not match:
            raise self.fail("expected an attribute name")
        self.pos = match.end()
        path = self.name_path(match.group(0))
        op = next((o for o in _OPS if self.text.startswith(o, self.pos)), None)
        if op is None:
            return lambda e: _resolve(e, path) != []
        self.pos += len(op)
        return _comparison(path, op, self.value(op))

    def name_path(self, path: str) -> tuple[str, list[str], list[str]]:
        """(attribute, sub-attributes or value members, [member] parts), names as stored."""
        dotted, *members = path.split("[")
        name, *subs = dotted.split(".")
        return self.rename(name), subs, [m.rstrip("]") for m in members]

    def value(self, op: str) -> Any:
        start, quoted = self.pos, False
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == '"':
                quoted = not quoted
            elif not quoted and char in ";|)":
                break
            self.pos += 1
        raw = self.text[start : self.pos]
        if quoted or not raw:
            raise self.fail("missing or unterminated value")
        if op.endswith("~="):
            try:  # the pattern may come quoted or bare
                return re.compile(raw[1:-1] if raw[0] == raw[-1] == '"' else raw)
            except re.error as exc:
                raise self.fail(f"invalid pattern: {exc}") from exc
        if ".." in raw and not raw.startswith('"'):
            low, high = raw.split("..", 1)
            return (_literal(low, self), _literal(high, self))
        if "," in raw:
            return [_literal(part, self) for part in _split_list(raw)]
        return _literal(raw, self)


def _split_list(raw: str) -> list[str]:
    return re.findall(r'"[^"]*"|[^,]+', raw)


def _literal(raw: str, parser: _Parser) -> Any:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1]
    if raw in ("true", "false"):
        return raw == "true"
    if _NUMBER.match(raw):
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    if _DATE.match(raw) or (":" in raw and '"' not in raw):
        return raw  # dates, times and URIs may stay unquoted
    raise parser.fail(f"value {raw!r} must be quoted, a number, a date or a URI")


def _resolve(entity: dict[str, Any], path: tuple[str, list[str], list[str]]) -> list[Any]:
    """Every value the path reaches in the entity (several for multi-instance attributes)."""
    name, subs, members = path
    attr = entity.get(name, _NOT_FOUND)
    if attr is _NOT_FOUND:
        return []
    found = []
    for instance in attr if isinstance(attr, list) else [attr]:
        node: Any = instance
        for sub in subs:  # a sub-attribute, else a member of a compound value
            if isinstance(node, dict) and isinstance(node.get(sub), dict) and "type" in node[sub]:
                node = node[sub]
            elif isinstance(simple_value(node), dict):
                node = {"type": "Property", "value": simple_value(node).get(sub)}
            else:
                node = None
                break
        value = simple_value(node) if isinstance(node, dict) else None
        for member in members:
            value = value.get(member) if isinstance(value, dict) else None
        if value is not None:
            found.append(value)
    return found


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or type(a) is type(b)


def _equals(actual: Any, target: Any) -> bool:
    if isinstance(actual, list):
        return any(_equals(a, target) for a in actual)
    if isinstance(target, tuple):
        low, high = target
        return _same_kind(actual, low) and _same_kind(actual, high) and low <= actual <= high
    if isinstance(target, list):
        return any(_equals(actual, t) for t in target)
    return _same_kind(actual, target) and actual == target


def _test(actual: Any, op: str, target: Any) -> bool:
    if op == "==":
        return _equals(actual, target)
    if op == "!=":
        return not _equals(actual, target)
    if op in ("~=", "!~="):
        hit = isinstance(actual, str) and target.search(actual) is not None
        return hit == (op == "~=")
    if isinstance(target, tuple | list) or not _same_kind(actual, target):
        return False
    return {">": actual > target, ">=": actual >= target, "<": actual < target}.get(
        op, actual <= target
    )


def _comparison(path: tuple[str, list[str], list[str]], op: str, target: Any) -> Predicate:
    return lambda e: any(_test(v, op, target) for v in _resolve(e, path))


def compile_q(text: str, rename: Callable[[str], str] = str) -> Predicate:
    """A predicate on normalized entities for a q expression; 400 BadRequestData if invalid.

    RENAME maps each attribute name as written to the name it is stored under (JSON-LD terms).
    """
    return _Parser(text.strip(), rename).parse()
