"""Pieces every human-readable reporter shares: evidence lookup, curl lines, waiver text."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Sequence
from typing import Any

from conform.report import Report
from conform.results import Status

# Column order of every per-status table.
STATUSES = (Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED, Status.WAIVED)

# Headers curl computes itself; copying them would only make the command wrong after an edit.
_CURL_SKIP = {"content-length", "host", "connection", "accept-encoding"}


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


def curl_command(exchange: dict[str, Any]) -> str:
    """A shell command that repeats a recorded request (with its redacted headers)."""
    request = exchange.get("request") or {}
    parts = ["curl", "-i", "-X", str(exchange.get("method", "GET")), shlex.quote(exchange["url"])]
    for name, value in header_items(request.get("headers")):
        if name.lower() not in _CURL_SKIP:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.get("body")
    if body is not None:
        raw = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        parts += ["--data-raw", shlex.quote(raw)]
    return " ".join(parts)


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
