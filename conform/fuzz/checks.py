"""Which schemathesis checks count, the requirement each maps to, what the bundle permits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from schemathesis.checks import CHECKS, CheckFunction, load_all_checks

from conform.errors import BundleError

# The checks that decide the phase by default, and the requirement each one verifies.
# Checks left out (and why) are listed in docs/property-based.md.
DEFAULT_CHECK_MAP: Mapping[str, str] = {
    "not_a_server_error": "ROB-001",
    "status_code_conformance": "ROB-002",
    "content_type_conformance": "ROB-003",
    "response_schema_conformance": "ROB-004",
    "response_headers_conformance": "ROB-005",
}
PERMITTED_KEY = "x-conform-permitted"


def resolve_checks(check_map: Mapping[str, str]) -> dict[str, CheckFunction]:
    """The schemathesis check functions named by `check_map`, by name."""
    load_all_checks()
    registered = {getattr(check, "__name__", ""): check for check in CHECKS.get_all()}
    unknown = sorted(set(check_map) - set(registered))
    if unknown:
        raise BundleError(f"unknown schemathesis check(s) in the check map: {', '.join(unknown)}")
    return {name: registered[name] for name in check_map}  # type: ignore[misc]


@dataclass(frozen=True)
class Permission:
    """A response the standard permits although a generic check would flag it."""

    check: str
    statuses: frozenset[int]
    clause: str
    reason: str

    def covers(self, check: str, status: int) -> bool:
        """Whether this permission excuses `check` failing on a response with `status`."""
        return check == self.check and (not self.statuses or status in self.statuses)


def _parse(entries: Any, where: str) -> tuple[Permission, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise BundleError(f"openapi.yaml: {where}.{PERMITTED_KEY} must be a list")
    permissions = []
    for index, entry in enumerate(entries):
        at = f"{where}.{PERMITTED_KEY}[{index}]"
        if not isinstance(entry, dict) or not entry.get("check") or not entry.get("clause"):
            raise BundleError(f"openapi.yaml: {at} needs `check` and `clause`")
        statuses = entry.get("status", [])
        if not isinstance(statuses, list) or not all(isinstance(s, int) for s in statuses):
            raise BundleError(f"openapi.yaml: {at}.status must be a list of status codes")
        permissions.append(
            Permission(
                str(entry["check"]),
                frozenset(statuses),
                str(entry["clause"]),
                str(entry.get("reason", "")),
            )
        )
    return tuple(permissions)


def permissions_for(raw: Mapping[str, Any], path: str, method: str) -> tuple[Permission, ...]:
    """Permissions of the whole API (root) plus those of one operation."""
    operation = raw.get("paths", {}).get(path, {}).get(method.lower(), {})
    return _parse(raw.get(PERMITTED_KEY), "root") + _parse(
        operation.get(PERMITTED_KEY), f"paths.{path}.{method.lower()}"
    )


def find_permission(
    permissions: Iterable[Permission], check: str, status: int
) -> Permission | None:
    """The first permission that excuses this check failure, if any."""
    return next((p for p in permissions if p.covers(check, status)), None)
