"""Lint findings as data, and their text and JSON renderings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: errors fail `spec lint`, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One defect: file, location (JSON pointer or `line N`), severity, code, message, hint."""

    file: str
    location: str
    severity: Severity
    code: str
    message: str
    hint: str = ""

    def render(self) -> str:
        """`file:location: severity: message (hint: ...)`."""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{self.file}:{self.location}: {self.severity.value}: {self.message}{hint}"


def count(findings: Sequence[Finding], severity: Severity) -> int:
    """Number of findings of SEVERITY."""
    return sum(1 for f in findings if f.severity is severity)


def summary(findings: Sequence[Finding]) -> str:
    """`N errors, M warnings`."""
    errors, warnings = count(findings, Severity.ERROR), count(findings, Severity.WARNING)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def render_text(findings: Sequence[Finding]) -> str:
    """One line per finding, then the summary line."""
    return "".join(f"{f.render()}\n" for f in findings) + summary(findings) + "\n"


def render_json(findings: Sequence[Finding]) -> str:
    """Findings and counts as a JSON document."""
    doc = {
        "findings": [{**asdict(f), "severity": f.severity.value} for f in findings],
        "errors": count(findings, Severity.ERROR),
        "warnings": count(findings, Severity.WARNING),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
