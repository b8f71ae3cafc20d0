"""Validation errors of either engine (jsonschema, jsonschema-rs) as one pointed, plain message.

Both engines' errors become a `Failure` (where, which keyword, what was expected, the value);
one formatter writes every message, so both paths print the same text with JSON values (never
Python reprs). For `anyOf`/`oneOf` the most plausible alternative is chosen: one the value has
the JSON type for, then one whose `type` member matched (a GeoJSON geometry's own type),
then the one with the fewest errors; its own error is reported.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from conform.bundle.files import pointer_token

MAX_MESSAGE = 240
_MAX_VALUE = 80
_ALTERNATIVES = ("anyOf", "oneOf")
_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029]*').fullmatch  # JSON as it is


@dataclass(frozen=True)
class Failure:
    """One engine-neutral validation error; BRANCHES are the alternatives of anyOf/oneOf."""

    path: tuple[str | int, ...]
    keyword: str
    expected: Any
    instance: Any
    text: str  # the engine's own message: used only for keywords the formatter does not know
    branches: tuple[tuple[Failure, ...], ...] = ()

    @property
    def pointer(self) -> str:
        """The JSON pointer of the failing value."""
        return "".join(f"/{pointer_token(p)}" for p in self.path)


_RS_EXPECTED = {
    "type": "types",
    "required": "property",
    "enum": "options",
    "const": "expected_value",
    "format": "format",
    "pattern": "pattern",
    "multipleOf": "multiple_of",
    "additionalProperties": "unexpected",
}


def from_rs(error: Any) -> Failure:
    """A jsonschema-rs ValidationError as a Failure."""
    kind = error.kind
    name = kind.name
    branches: tuple[tuple[Failure, ...], ...] = ()
    if name in _ALTERNATIVES and type(kind).__name__ != "OneOfMultipleValid":
        branches = tuple(tuple(from_rs(e) for e in branch) for branch in kind.context)
    expected = getattr(kind, _RS_EXPECTED.get(name, "limit"), None)
    if name == "oneOf" and not branches:
        name = "oneOfMany"
    return Failure(
        tuple(error.instance_path), name, expected, error.instance, error.message, branches
    )


def from_py(error: ValidationError) -> Failure:
    """A jsonschema ValidationError as a Failure."""
    name = str(error.validator)
    expected = error.validator_value
    if name == "required":  # one error per missing member; only the message names it
        expected = ast.literal_eval(error.message.removesuffix(" is a required property"))
    elif name == "type" and isinstance(expected, str):
        expected = [expected]
    elif name == "additionalProperties" and isinstance(error.instance, dict):
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        expected = [k for k in error.instance if k not in props]
    branches: tuple[tuple[Failure, ...], ...] = ()
    if name in _ALTERNATIVES:
        groups: dict[Any, list[Failure]] = {}
        for sub in error.context or ():
            groups.setdefault(sub.relative_schema_path[0], []).append(from_py(sub))
        branches = tuple(tuple(group) for group in groups.values())
        if name == "oneOf" and not branches:
            name = "oneOfMany"
    return Failure(
        tuple(error.absolute_path), name, expected, error.instance, error.message, branches
    )


def best(failure: Failure) -> Failure:
    """The error to report for FAILURE: inside anyOf/oneOf, the chosen alternative's first."""
    while failure.branches:
        wrong_type = [_wrong_type(failure, branch) for branch in failure.branches]
        if all(wrong_type):  # not even the JSON type fits any alternative
            types = [t for branch in wrong_type for t in branch]
            return Failure(failure.path, "type", list(dict.fromkeys(types)), failure.instance, "")
        fitting = [b for b, wrong in zip(failure.branches, wrong_type, strict=True) if not wrong]
        if all(_type_member_failed(failure, branch) for branch in fitting):
            named = _no_such_type(failure, fitting)
            if named is not None:
                return named
        chosen = min(
            fitting, key=lambda branch: (_type_member_failed(failure, branch), len(branch))
        )
        failure = chosen[0]
    return failure


def _no_such_type(parent: Failure, branches: list[tuple[Failure, ...]]) -> Failure | None:
    """Every alternative rejected the `type` member's value (e.g. "Circle"): all it may be."""
    allowed: dict[str, Any] = {}
    found = [f for branch in branches for f in branch if f.path == (*parent.path, "type")]
    for f in found:
        if f.keyword not in ("enum", "const"):
            return None
        for value in f.expected if f.keyword == "enum" else [f.expected]:
            allowed.setdefault(show(value), value)
    return Failure(found[0].path, "enum", list(allowed.values()), found[0].instance, "")


def _wrong_type(parent: Failure, branch: tuple[Failure, ...]) -> list[str]:
    """The types an alternative wanted when the value itself has another JSON type, else []."""
    for f in branch:
        if f.keyword == "type" and f.path == parent.path:
            return list(f.expected or [])
    return []


def _type_member_failed(parent: Failure, branch: tuple[Failure, ...]) -> bool:
    """True if the alternative rejected the value's own `type` member (its discriminator)."""
    return any(f.path == (*parent.path, "type") for f in branch)


def message(failure: Failure) -> str:
    """A one-line message for FAILURE, values shown as JSON, at most MAX_MESSAGE characters."""
    text = _message(failure)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def show(value: Any) -> str:
    """VALUE as compact JSON, shortened."""
    kind = type(value)
    if kind is str and len(value) < _MAX_VALUE - 2 and _PLAIN(value):  # the common cases first
        return f'"{value}"'
    if kind is int or (kind is float and math.isfinite(value)):
        return repr(value)
    if kind is list and all(type(item) is str for item in value):  # enum options repeat
        return _show_strings(tuple(value))
    return _dumps(value)


@functools.lru_cache(maxsize=256)
def _show_strings(items: tuple[str, ...]) -> str:
    return _dumps(list(items))


def _dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _v(f: Failure) -> str:
    """The failing value as JSON (rendered only by messages that show it)."""
    return show(f.instance)


def _types(f: Failure) -> str:
    return " or ".join(map(show, f.expected or []))


# keyword -> message of a failure F (the value is rendered only where the message shows it)
_TEMPLATES: dict[str, Callable[[Failure], str]] = {
    "type": lambda f: f"{_v(f)} is not of type {_types(f)}",
    "required": lambda f: f"{show(f.expected)} is a required property",
    "enum": lambda f: f"{_v(f)} is not one of {show(f.expected)}",
    "const": lambda f: f"{show(f.expected)} was expected",
    "minimum": lambda f: f"{_v(f)} is less than the minimum of {f.expected}",
    "maximum": lambda f: f"{_v(f)} is greater than the maximum of {f.expected}",
    "exclusiveMinimum": lambda f: f"{_v(f)} is less than or equal to the minimum of {f.expected}",
    "exclusiveMaximum": lambda f: (
        f"{_v(f)} is greater than or equal to the maximum of {f.expected}"
    ),
    "minItems": lambda f: f"{_v(f)} has fewer than {f.expected} items",
    "maxItems": lambda f: f"{_v(f)} has more than {f.expected} items",
    "minLength": lambda f: f"{_v(f)} is shorter than {f.expected} characters",
    "maxLength": lambda f: f"{_v(f)} is longer than {f.expected} characters",
    "minProperties": lambda f: f"{_v(f)} has fewer than {f.expected} members",
    "maxProperties": lambda f: f"{_v(f)} has more than {f.expected} members",
    "pattern": lambda f: f"{_v(f)} does not match {show(f.expected)}",
    "format": lambda f: f"{_v(f)} is not a valid {show(f.expected)}{_format_hint(f)}",
    "multipleOf": lambda f: f"{_v(f)} is not a multiple of {f.expected}",
    "uniqueItems": lambda f: f"{_v(f)} has non-unique elements",
    "additionalProperties": lambda f: f"member(s) not allowed: {', '.join(map(show, f.expected))}",
    "anyOf": lambda f: f"{_v(f)} is not valid under any of the given schemas",
    "oneOf": lambda f: f"{_v(f)} is not valid under any of the given schemas",
    "oneOfMany": lambda f: f"{_v(f)} is valid under more than one of the given schemas",
    "not": lambda f: f"{_v(f)} is not allowed here",
    "false": lambda f: f"{_v(f)} is not allowed here",
}


def _message(f: Failure) -> str:
    template = _TEMPLATES.get(f.keyword)
    return template(f) if template else f.text


def _format_hint(f: Failure) -> str:
    """The policy behind a rejected timestamp that only lacks its UTC offset."""
    text = f.instance if isinstance(f.instance, str) else ""
    if f.expected == "date-time" and len(text) >= 19 and text[10:11] in "Tt" and not _zoned(text):
        return " (a date-time needs a UTC offset, e.g. Z or +09:00)"
    return ""


def _zoned(text: str) -> bool:
    return text[-1:] in "Zz" or text[-6:-5] in "+-"
