"""Pieces every human-readable reporter shares: evidence lookup, curl lines, waiver text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from conform.evidence import Exchange
from conform.report import Report
from conform.results import Status

# Column order of every per-status table.
STATUSES = (
    Status.PASSED, Status.FAILED, Status.BLOCKED, Status.ERROR, Status.SKIPPED, Status.WAIVED,
)  # fmt: skip


def evidence_index(evidence: Iterable[Exchange]) -> dict[str, Exchange]:
    """Exchanges by their evidence id."""
    return {x.id: x for x in evidence}


def deciding_exchanges(evidence_ids: Sequence[str], index: dict[str, Exchange]) -> list[Exchange]:
    """The recorded exchanges a result names, in its order (unknown ids are left out)."""
    return [index[i] for i in evidence_ids if i in index]


def applied_waivers(report: Report) -> set[str]:
    """Requirement ids whose failure a waiver actually turned into `waived`."""
    return {r.id for r in report.requirements if r.status is Status.WAIVED}


def waiver_text(waiver: dict[str, Any]) -> str:
    """One line naming a waiver's reason, approver, ticket and expiry."""
    return (
        f"{waiver.get('reason', '')} (approved by {waiver.get('approved_by', '?')}, "
        f"ticket {waiver.get('ticket', '?')}, expires {waiver.get('expires', '?')})"
    )


def first_line(text: str, limit: int = 200) -> str:
    """The first line of a message, shortened for one-line listings."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
