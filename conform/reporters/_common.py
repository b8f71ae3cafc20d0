"""Pieces every human-readable reporter shares: evidence lookup, curl lines, waiver text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from conform.evidence import Exchange
from conform.report import Report
from conform.results import Status

# Column order of every per-status table.
STATUSES = (
    Status.PASSED, Status.FAILED, Status.BLOCKED, Status.ERROR, Status.SKIPPED, Status.WAIVED,
)  # fmt: skip


def evidence_index(evidence: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Exchanges by their evidence id."""
    return {str(x.get("id")): x for x in evidence}


def header_items(headers: Any) -> list[tuple[str, str]]:
    """Headers as (name, value) pairs, whether recorded as a mapping or as a list of pairs."""
    if isinstance(headers, dict):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(k), str(v)) for k, v in headers or ()]


def body_text(body: Any) -> str:
    """A recorded body as text: strings as they are, JSON pretty-printed, nothing as ''."""
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return json.dumps(body, indent=2, ensure_ascii=False)


def exchange_from_dict(x: dict[str, Any]) -> Exchange:
    """The `Exchange` an `evidence.jsonl` line was written from (the inverse of to_dict)."""
    request, response = x.get("request") or {}, x.get("response") or {}
    body = request.get("body")
    return Exchange(
        id=str(x.get("id", "")),
        test=str(x.get("test", "")),
        method=str(x.get("method", "GET")),
        url=str(x.get("url", "")),
        request_headers=dict(header_items(request.get("headers"))),
        request_body=None if body is None else body_text(body),
        status=response.get("status"),
        response_headers=dict(header_items(response.get("headers"))),
        response_body=response.get("body"),
        error=x.get("error"),
    )


def curl_command(exchange: dict[str, Any]) -> str:
    """A shell command that repeats a recorded request (its credentials stay redacted)."""
    return exchange_from_dict(exchange).curl()


def deciding_exchanges(
    evidence_ids: Sequence[str], index: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
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
