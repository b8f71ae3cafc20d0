"""report.json: the record itself, indented, UTF-8, keys in model order."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conform.evidence import Exchange
from conform.report import Report


def render(report: Report, evidence: Sequence[Exchange] = (), lang: str = "en") -> bytes:
    """The report.json document (evidence lives in its own file and is not repeated here)."""
    return (json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n").encode()
