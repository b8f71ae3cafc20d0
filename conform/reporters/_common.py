"""Pieces every human-readable reporter shares: evidence lookup, curl lines, waiver text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from conform.evidence import Exchange
from conform.report import Report
from conform.results import RequirementResult, Status

# Column order of every per-status table.
STATUSES = (Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED, Status.WAIVED)


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


_CITED = re.compile(r"\[(x[0-9]+)\]")


def failing_exchange(
    result: RequirementResult, index: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The exchange a failure is about: the one its message cites, else its last recorded one."""
    cited = _CITED.findall(result.message)
    for exchange_id in (*reversed(cited), *reversed(result.evidence)):
        if exchange_id in index:
            return index[exchange_id]
    return None


def _clip(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[:limit] + "\n…"


def exchange_text(x: dict[str, Any], limit: int | None = 1500) -> str:
    """A recorded exchange as plain text: request, response (bodies clipped to LIMIT), curl."""
    request, response = x.get("request") or {}, x.get("response")
    lines = [f"> {x.get('method', '')} {x.get('url', '')}"]
    lines += [f"> {k}: {v}" for k, v in header_items(request.get("headers"))]
    body = body_text(request.get("body"))
    if body:
        lines += [">", *(f"> {line}" for line in _clip(body, limit).splitlines())]
    if response is None:
        lines.append(f"< no response: {x.get('error') or ''}")
    else:
        lines.append(f"< {response.get('status')}")
        lines += [f"< {k}: {v}" for k, v in header_items(response.get("headers"))]
        body = body_text(response.get("body"))
        if body:
            lines += ["<", *(f"< {line}" for line in _clip(body, limit).splitlines())]
    return "\n".join([f"evidence {x.get('id')}:", *lines, f"$ {curl_command(x)}"])
