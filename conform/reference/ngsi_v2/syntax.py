"""Syntax rules: identifiers, Orion's forbidden characters, tenant and service-path headers."""

from __future__ import annotations

import re
from typing import Any

from conform.reference.ngsi_v2.errors import bad_request

FORBIDDEN = frozenset("<>\"'=;()")  # Orion: never in a request, outside q/mq/georel/coords
_IDENT_EXCLUDED = frozenset("&?/#") | FORBIDDEN
_TENANT = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_PATH_LEVEL = re.compile(r"^[A-Za-z0-9_]{1,50}$")
MAX_IDENT = 256
UNRESTRICTED = "TextUnrestricted"


def check_identifier(value: Any, what: str) -> str:
    """VALUE if it is a valid identifier (1..256 printable ASCII, none of & ? / # < > ...)."""
    if not isinstance(value, str):
        raise bad_request(f"{what} must be a string")
    if not 1 <= len(value) <= MAX_IDENT:
        raise bad_request(f"{what} must have 1 to {MAX_IDENT} characters")
    if any(not 0x21 <= ord(ch) <= 0x7E or ch in _IDENT_EXCLUDED for ch in value):
        raise bad_request(f"Invalid characters in {what}")
    return value


def check_value(value: Any, what: str = "attribute value") -> None:
    """400 if a string anywhere in VALUE holds one of Orion's forbidden characters."""
    if isinstance(value, str):
        if FORBIDDEN & set(value):
            raise bad_request(f"Invalid characters in {what}")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, what)
            check_value(item, what)
    elif isinstance(value, list):
        for item in value:
            check_value(item, what)


def tenant(header: str | None) -> str:
    """The tenant a Fiware-Service header names, lowercased; "" is the default service."""
    if header is None or header == "":
        return ""
    if not _TENANT.match(header):
        raise bad_request("bad character in tenant name (letters, digits and _ only, at most 50)")
    return header.lower()


def _one_path(raw: str, scope: bool) -> str:
    path = raw.strip()
    if not path.startswith("/"):
        raise bad_request(
            "Only /absolute/ Service Paths allowed [a service path must begin with /]"
        )
    hierarchical = scope and path.endswith("/#")
    body = path[:-2] if hierarchical else path
    levels = [level for level in body.strip("/").split("/") if level] if body != "/" else []
    if len(levels) > 10 or not all(_PATH_LEVEL.match(level) for level in levels):
        raise bad_request("a service path has at most 10 levels of 1-50 letters, digits or _")
    canonical = "/" + "/".join(levels)
    return (
        canonical + ("/#" if hierarchical else "") if canonical != "/" or not hierarchical else "/#"
    )


def write_path(header: str | None) -> str:
    """The one service path a create names (default `/`)."""
    if header is None or header.strip() == "":
        return "/"
    if "," in header or header.strip().endswith("#"):
        raise bad_request("a write names exactly one service path, without #")
    return _one_path(header, scope=False)


def scope_paths(header: str | None) -> list[str]:
    """The service paths a read covers (default `/#`: everything)."""
    if header is None or header.strip() == "":
        return ["/#"]
    parts = header.split(",")
    if len(parts) > 10:
        raise bad_request("at most 10 service paths in one request")
    return [_one_path(part, scope=True) for part in parts]


def in_scope(path: str, scope: list[str]) -> bool:
    """Whether an entity's service path lies in one of the scope's paths."""
    for item in scope:
        if item.endswith("#"):
            base = item[:-2] if len(item) > 2 else ""
            if not base or path == base or path.startswith(base + "/"):
                return True
        elif path == item:
            return True
    return False
