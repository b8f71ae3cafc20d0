"""Assertion helpers for suites: each failure says what the rule expected and what came back."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from conform.profiles import Profile, default_profile

_MAX_SHOWN = 200
_PROFILE: list[Profile] = []  # the run's profile, bound by the plugin (error body shape)


def bind_profile(profile: Profile) -> None:
    """Make PROFILE's error body the one `expect_problem` checks (the run's bundle decides)."""
    _PROFILE[:] = [profile]


@contextlib.contextmanager
def bound_profile(profile: Profile) -> Iterator[None]:
    """PROFILE bound while the block runs (a suite session), then what was bound before: a run
    in a process that runs others (a script, a test) leaves no profile behind."""
    before = list(_PROFILE)
    bind_profile(profile)
    try:
        yield
    finally:
        _PROFILE[:] = before


class ResponseLike(Protocol):
    """What the helpers read from a response of `conform.http.Client` (read-only members)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    @property
    def media_type(self) -> str: ...

    def json(self) -> Any: ...


def _short(value: object) -> str:
    """A value as a short one-line string for a message."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."


def shape_of(value: object) -> str:
    """What a JSON value is, for a message: 'an array of 2', 'a string', 'null', 'an object'."""
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def _where(resp: ResponseLike) -> str:
    """' [x000012]': the evidence exchange a message refers to, when known."""
    exchange = getattr(resp, "exchange_id", None)
    return f" [{exchange}]" if exchange else ""


def expect_status(resp: ResponseLike, *codes: int) -> None:
    """The response status is one of CODES."""
    if resp.status_code not in codes:
        wanted = " or ".join(str(c) for c in codes)
        body = f" (body: {_short(resp.text)})" if resp.text else ""
        raise AssertionError(
            f"expected status {wanted}, got {resp.status_code}{body}{_where(resp)}"
        )


def expect_header(
    resp: ResponseLike, name: str, value_or_regex: str | re.Pattern[str] | None = None
) -> str:
    """The response carries header NAME (equal to a string, or matching a compiled regex)."""
    value = resp.headers.get(name)
    if value is None:
        raise AssertionError(f"expected header {name}, got none{_where(resp)}")
    if isinstance(value_or_regex, re.Pattern):
        if not value_or_regex.fullmatch(value):
            raise AssertionError(
                f"expected header {name} matching {value_or_regex.pattern!r}, "
                f"got {value!r}{_where(resp)}"
            )
    elif value_or_regex is not None and value != value_or_regex:
        raise AssertionError(
            f"expected header {name}: {value_or_regex!r}, got {value!r}{_where(resp)}"
        )
    return str(value)


def expect_media_type(resp: ResponseLike, media_type: str) -> None:
    """The response Content-Type names MEDIA_TYPE (parameters such as charset ignored)."""
    if resp.media_type != media_type:
        got = resp.headers.get("Content-Type") or "no Content-Type"
        raise AssertionError(f"expected Content-Type {media_type}, got {got}{_where(resp)}")


def expect_problem(resp: ResponseLike, status: int, error_name: str) -> dict[str, Any]:
    """STATUS with the profile's error ERROR_NAME as the problem type (NGSI-LD: clause 5.5.2).

    Only what says *which* error it is: the body's media type, title and status member are the
    error-format requirements' own to judge, so a format fault fails those, not every caller.
    The profile is the run's, bound by the plugin.
    """
    profile = _PROFILE[0] if _PROFILE else default_profile()
    expect_status(resp, status)
    body = resp.json()
    if not isinstance(body, dict):
        raise AssertionError(
            f"expected a problem details object, got {shape_of(body)}: {_short(body)}{_where(resp)}"
        )
    wanted = profile.error_type(error_name)
    if body.get("type") != wanted:
        raise AssertionError(
            f"expected error type {wanted}, got {_short(body.get('type'))}{_where(resp)}"
        )
    return body


def expect_json_equal(actual: Any, expected: Any, path: str = "") -> None:
    """Deep equality of two JSON values; the message names the first difference by JSON pointer."""
    where = path or "/"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            child = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in actual:
                raise AssertionError(f"expected {_short(expected[key])}, got nothing at {child}")
            expect_json_equal(actual[key], expected[key], child)
        extra = sorted(set(actual) - set(expected))
        if extra:
            raise AssertionError(f"expected no member {extra[0]!r}, got one at {where}")
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(actual) != len(expected):
            raise AssertionError(f"expected {len(expected)} items, got {len(actual)} at {where}")
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            expect_json_equal(a, e, f"{path}/{index}")
    elif not _same_scalar(actual, expected):
        raise AssertionError(f"expected {_short(expected)}, got {_short(actual)} at {where}")


def _same_scalar(actual: Any, expected: Any) -> bool:
    """Equal JSON values: 1 and 1.0 are the same number, but True is not 1 (Python says it is)."""
    if _is_number(actual) and _is_number(expected):
        return bool(actual == expected)
    return type(actual) is type(expected) and actual == expected


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
