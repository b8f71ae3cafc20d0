"""Waivers: approved, dated exceptions that turn a requirement's failure into `waived`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conform.errors import ConfigError
from conform.results import RequirementResult, Status
from conform.yamlfile import load_yaml_file

_FIELDS = ("requirement", "reason", "approved_by", "ticket", "expires")


@dataclass(frozen=True)
class Waiver:
    """One approved exception for one requirement, valid through its expiry date."""

    requirement: str
    reason: str
    approved_by: str
    ticket: str
    expires: dt.date

    def to_dict(self) -> dict[str, str]:
        """The waiver as stored in report.json."""
        return {
            "requirement": self.requirement,
            "reason": self.reason,
            "approved_by": self.approved_by,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
        }


def _parse(item: Any, where: str) -> Waiver:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: must be a mapping with fields {', '.join(_FIELDS)}")
    unknown = sorted(set(item) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r}")
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = item.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ConfigError(f"{where}: field {name!r} is missing or empty")
        values[name] = value if name == "expires" else str(value).strip()
    expires = values["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
        raise ConfigError(f"{where}: field 'expires' must be a date like 2027-03-31")
    return Waiver(**{**values, "expires": expires})


def load_waivers(
    path: Path, today: dt.date, known_ids: Collection[str] | None = None
) -> tuple[list[Waiver], list[str]]:
    """Read a waiver file: (valid waivers, warnings about the ones ignored).

    Expired waivers and waivers for requirement ids the bundle does not have (when known_ids is
    given) are ignored with a warning; a malformed file is a ConfigError naming the field.
    """
    data = load_yaml_file(path, "waiver file")
    if not isinstance(data, list):
        raise ConfigError(f"{path}: a waiver file is a YAML list of waivers")
    waivers: list[Waiver] = []
    warnings: list[str] = []
    for i, item in enumerate(data):
        waiver = _parse(item, f"{path}: waiver #{i + 1}")
        if waiver.expires < today:
            warnings.append(f"waiver for {waiver.requirement} expired on {waiver.expires}; ignored")
        elif known_ids is not None and waiver.requirement not in known_ids:
            warnings.append(f"waiver for unknown requirement {waiver.requirement}; ignored")
        elif any(w.requirement == waiver.requirement for w in waivers):
            warnings.append(f"second waiver for {waiver.requirement}; the first one is used")
        else:
            waivers.append(waiver)
    return waivers, warnings


def apply_waivers(
    results: Iterable[RequirementResult], waivers: Iterable[Waiver]
) -> tuple[RequirementResult, ...]:
    """Results with each waived failure marked `waived`; errors and skips stay as they are."""
    by_id = {w.requirement: w for w in waivers}
    # Fail closed: a waiver excuses a known failure, never an untested requirement.
    return tuple(
        replace(r, status=Status.WAIVED, waiver=by_id[r.id].to_dict())
        if r.status is Status.FAILED and r.id in by_id
        else r
        for r in results
    )
