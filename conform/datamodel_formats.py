r"""How `format` and `pattern` are judged: the same in jsonschema and jsonschema-rs.

Formats are asserted (a rule, not an annotation). Where the two engines would judge a format
differently, the same Python checker serves both (`email`, `idn-email`) or the Python side
follows RFC 3339 as jsonschema-rs does (a date-time and a time need a UTC offset; a leap
second only at 23:59:60Z). `pattern` is ECMA-262, as JSON Schema says: `\w` and `\d` are ASCII.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import FormatChecker, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from rfc3339_validator import validate_rfc3339
from rfc3986_validator import validate_rfc3986

_LEAP_SECOND = re.compile(r"23:59:60(\.\d+)?[Zz]$")


def _rfc3339(value: str) -> bool:
    """RFC 3339 date-time, offset required; a leap second only at 23:59:60Z (as jsonschema-rs)."""
    value = value.upper()
    return validate_rfc3339(value) or bool(
        _LEAP_SECOND.search(value) and validate_rfc3339(value.replace(":60", ":59"))
    )


def _email(value: str) -> bool:
    """`local@domain`: both parts non-empty, no spaces, no second `@` (judged alike everywhere)."""
    local, at, domain = value.rpartition("@")
    plain = not any(c.isspace() or c in "<>" for c in value)
    return bool(at and local and domain) and plain and "@" not in local


# Format checkers given to BOTH engines (jsonschema-rs calls them instead of its own), where the
# two would otherwise judge differently; every other format uses each engine's RFC checker.
SHARED_FORMATS: dict[str, Callable[[str], bool]] = {"email": _email, "idn-email": _email}


def _format_checker() -> FormatChecker:
    """jsonschema's checkers, plus ours for the formats both engines must judge alike."""
    checker = FormatChecker()
    checks: dict[str, Callable[[str], bool]] = {
        **SHARED_FORMATS,
        "date-time": _rfc3339,
        "time": lambda value: _rfc3339(f"1970-01-01T{value}"),
        "uri": lambda value: bool(validate_rfc3986(value, rule="URI")),
    }
    for name, check in checks.items():
        checker.checks(name)(lambda value, check=check: not isinstance(value, str) or check(value))
    return checker


FORMAT_CHECKER = _format_checker()


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """`pattern` as JSON Schema means it (ECMA-262, as jsonschema-rs): \\w and \\d are ASCII."""
    if validator.is_type(instance, "string") and not re.search(pattern, instance, re.ASCII):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def validator_class(base: type[Validator]) -> type[Validator]:
    """BASE with ECMA-262 patterns (one class per draft, made once)."""
    return validators.extend(base, {"pattern": _ecma_pattern})
