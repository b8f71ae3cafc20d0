"""Media-type sanity: well-formed `type/subtype` and registered (or a known API type)."""

from __future__ import annotations

import difflib
import mimetypes
import re

from conform.lint.findings import Severity

LD_JSON = "application/ld+json"
API_MEDIA_TYPES = {
    "application/json",
    "application/ld+json",
    "application/geo+json",
    "application/merge-patch+json",
    "application/problem+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "*/*",
}
_TOKEN = r"[a-z0-9][a-z0-9!#$&^_.+-]*"
_MEDIA_RE = re.compile(rf"^(?:{_TOKEN}|\*)/(?:{_TOKEN}|\*)$")


def _known_media_types() -> set[str]:
    # A fresh MimeTypes() uses Python's built-in table only, not /etc/mime.types: the same on
    # every machine, so lint results do not depend on the host.
    table = mimetypes.MimeTypes().types_map
    return {*table[True].values(), *table[False].values(), *API_MEDIA_TYPES}


KNOWN_MEDIA_TYPES = frozenset(_known_media_types())


def _closest(base: str) -> str:
    """The likeliest intended type: JSON-LD spellings first, then API types, then any."""
    if "json" in base and "ld" in base:
        return LD_JSON
    for candidates in (API_MEDIA_TYPES, KNOWN_MEDIA_TYPES):
        close = difflib.get_close_matches(base, sorted(candidates), n=1)
        if close:
            return close[0]
    return "application/json"


def media_type_problem(media_type: str) -> tuple[Severity, str, str] | None:
    """(severity, message, hint) if MEDIA_TYPE is ill-formed or unregistered, else None."""
    base = media_type.split(";")[0].strip().lower()
    if "json+ld" in base:
        return Severity.ERROR, f"{media_type!r} is not a media type", f"did you mean {LD_JSON}?"
    hint = f"did you mean {_closest(base)}?"
    if not _MEDIA_RE.match(base):
        return Severity.ERROR, f"malformed media type {media_type!r} (expected type/subtype)", hint
    subtype = base.partition("/")[2]
    if base in KNOWN_MEDIA_TYPES or subtype == "*" or subtype.startswith(("vnd.", "prs.", "x.")):
        return None
    return Severity.WARNING, f"media type {media_type!r} is not registered", hint
