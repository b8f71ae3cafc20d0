"""Pieces every human-readable reporter shares: evidence lookup, curl lines, waiver text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from conform.evidence import Exchange
from conform.i18n import t
from conform.report import Report
from conform.results import RequirementResult, Status

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


_CITED = re.compile(r"\[(x[0-9]+)\]")


def failing_exchange(result: RequirementResult, index: dict[str, Exchange]) -> Exchange | None:
    """The exchange a failure is about: the one its message cites, else its last recorded one."""
    cited = _CITED.findall(result.message)
    for exchange_id in (*reversed(cited), *reversed(result.evidence)):
        if exchange_id in index:
            return index[exchange_id]
    return None


def _clip(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[:limit] + "\n…"


def exchange_text(x: Exchange, limit: int | None = 1500) -> str:
    """A recorded exchange as plain text: request, response (bodies clipped to LIMIT), curl."""
    lines = [f"> {x.method} {x.url}", *(f"> {k}: {v}" for k, v in x.request_headers.items())]
    if x.request_body:
        lines += [">", *(f"> {line}" for line in _clip(x.request_body, limit).splitlines())]
    if x.status is None:
        lines.append(f"< no response: {x.error or ''}")
    else:
        lines.append(f"< {x.status}")
        lines += [f"< {k}: {v}" for k, v in x.response_headers.items()]
        if x.response_body:
            lines += ["<", *(f"< {line}" for line in _clip(x.response_body, limit).splitlines())]
    return "\n".join([f"evidence {x.id}:", *lines, f"$ {x.curl()}"])


def security_tag(result: RequirementResult | None, lang: str) -> str:
    """ "[security] " before a security requirement's id, "" for any other (one marker for
    every format)."""
    return f"[{t('security', lang)}] " if result is not None and result.security else ""


def security_line(report: Report, lang: str) -> str:
    """ "Security findings (N): ids", or "" when none failed."""
    found = report.security_findings()
    if not found:
        return ""
    return t("security_findings", lang).format(n=len(found), ids=", ".join(r.id for r in found))
