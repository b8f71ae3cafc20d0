"""Which schemathesis checks count, the requirement each maps to, what the bundle permits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from schemathesis.checks import CHECKS, CheckFunction, load_all_checks

from conform.errors import BundleError

# Which checks decide the phase, and the requirement each verifies, is the bundle's `checks:`
# (else its profile's default map). Every other schemathesis 4.32 check, and why the NGSI-LD
# profile's map leaves it out.
NOT_USED: Mapping[str, str] = {
    "negative_data_rejection": (
        "NGSI-LD accepts more than the OpenAPI schema says (unknown query parameters, extra "
        "members, 207 partial success); a 2xx to schema-invalid input is not a breach"
    ),
    "positive_data_acceptance": (
        "the schema cannot express q/idPattern grammar, model validation or 409/404 state; "
        "a 400 to schema-valid input is often correct"
    ),
    "missing_required_header": "coverage-phase only; the API declares no required header",
    "unsupported_method": "coverage-phase only; 405 + Allow is a behavioural requirement",
    "allow_header_conformance": "needs OPTIONS requests, which the API does not declare",
    "use_after_free": "stateful phase only (OpenAPI links); covered by behavioural suites",
    "ensure_resource_availability": "stateful phase only; covered by behavioural suites",
    "ignored_auth": "the bundle declares no security scheme; auth is per target",
    "object_level_authorization": "needs several identities; not part of the city-OS profile",
    "max_response_time": "timing is not a requirement of the bundle (no timed assertions)",
}
PERMITTED_KEY = "x-conform-permitted"


def _registered() -> dict[str, CheckFunction]:
    load_all_checks()
    return {getattr(check, "__name__", ""): check for check in CHECKS.get_all()}  # type: ignore[misc]


def known_checks() -> frozenset[str]:
    """Names of every schemathesis check (what a bundle's `checks:` may name)."""
    return frozenset(_registered())


def resolve_checks(check_map: Mapping[str, str]) -> dict[str, CheckFunction]:
    """The schemathesis check functions named by `check_map`, by name."""
    registered = _registered()
    unknown = sorted(set(check_map) - set(registered))
    if unknown:
        raise BundleError(f"unknown schemathesis check(s) in the check map: {', '.join(unknown)}")
    return {name: registered[name] for name in check_map}


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
