"""The terminal view of a report: one screen (root causes first), `verbose` for everything."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from conform.evidence import Exchange
from conform.i18n import root_causes_title, status_label, t, verdict_meaning
from conform.report import Report
from conform.reporters._common import (
    STATUSES,
    evidence_index,
    exchange_text,
    failing_exchange,
    first_line,
    security_line,
    security_tag,
    waiver_text,
)
from conform.results import RequirementResult, RootCause, Status, Verdict

_MAX_BODY = 600  # characters of each body of a failing exchange shown with --verbose
_BRIEF_BODY = 160  # characters of the response body shown with a root cause

_STYLE = {
    Verdict.CERTIFIED: "bold green",
    Verdict.CONDITIONAL: "bold yellow",
    Verdict.NOT_CERTIFIED: "bold red",
    Verdict.INCOMPLETE: "bold magenta",
}
_MAX_CAUSES = 10  # two lines each at most: the causes stay within ~20 lines
_MAX_IDS = 8  # ids listed on one line before "+N"
_MAX_ERROR_LINES = 5  # distinct reasons a requirement could not be tested
_SOFT_FAILURE = re.compile(r"^(SHOULD|MAY) ([A-Z]{2,5}-[0-9]{3}) failed: ")


def _context_lines(report: Report, lang: str) -> list[str]:
    b, tg = report.bundle, report.target
    return [
        f"{t('target', lang)}: {tg.name} {tg.url} {tg.product_version}".rstrip(),
        f"{t('bundle', lang)}: {b.id}@{b.version} {b.sha256}",
    ]


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_MAX_IDS])
    return shown + (f" (+{len(ids) - _MAX_IDS})" if len(ids) > _MAX_IDS else "")


def _cause_lines(
    causes: Sequence[RootCause], report: Report, lang: str, index: dict[str, Exchange]
) -> list[str]:
    results = {r.id: r for r in report.requirements}
    lines = [f"{root_causes_title(len(causes), lang)}:"]
    for c in causes[:_MAX_CAUSES]:
        r = results.get(c.requirement)
        level = r.level.value if r else "?"
        tag = security_tag(r, lang)
        lines.append(f"  {tag}{c.requirement} [{level}] {first_line(c.message)}")
        also = [i for i in c.explains if i != c.requirement]
        if also:
            lines.append(f"      {t('explains', lang)}: {_ids(also)}")
        lines += _exchange_lines(r, index, brief=True, indent="      ")
    if len(causes) > _MAX_CAUSES:
        lines.append(f"  {t('more_in_report', lang).format(n=len(causes) - _MAX_CAUSES)}")
    return lines


def _error_lines(report: Report, lang: str) -> list[str]:
    """Requirements that could not be tested, grouped by their reason (one line each)."""
    groups: dict[str, list[str]] = {}
    for r in report.requirements:
        if r.status is Status.ERROR:
            groups.setdefault(first_line(r.message, 120), []).append(r.id)
    label = status_label(Status.ERROR, lang)
    lines = [f"{label} {_ids(ids)}: {reason}" for reason, ids in groups.items()]
    if len(lines) > _MAX_ERROR_LINES:
        more = len(lines) - _MAX_ERROR_LINES
        lines = [*lines[:_MAX_ERROR_LINES], f"  {t('more_in_report', lang).format(n=more)}"]
    return lines


def _problem_lines(report: Report, lang: str, index: dict[str, Exchange]) -> list[str]:
    lines = []
    for r in report.problems():
        label = status_label(r.status, lang).upper()
        lines.append(f"{label} {security_tag(r, lang)}{r.id} [{r.level.value}] {r.title}")
        if r.message:
            lines.append(f"    {first_line(r.message)}")
        lines += _exchange_lines(r, index, brief=False, indent="    ")
    return lines


def _footer_lines(report: Report, lang: str, listed: set[str]) -> list[str]:
    lines = [
        f"{t('waivers', lang)}: {w.get('requirement')} {waiver_text(w)}" for w in report.waivers
    ]
    if report.leftovers:
        lines.append(f"{t('leftovers', lang)} ({t('leftovers_note', lang)}):")
        lines += [f"  {item}" for item in report.leftovers]
    for w in dict.fromkeys(report.warnings):  # each warning once
        soft = _SOFT_FAILURE.match(w)
        if soft is None or soft.group(2) not in listed:  # a listed SHOULD failure says it
            lines.append(f"{t('warnings', lang)}: {w}")
    return lines


def _exchange_lines(
    r: RequirementResult | None, index: dict[str, Exchange], *, brief: bool, indent: str
) -> list[str]:
    """The failing exchange of R: in full (bodies clipped), or BRIEF: request line, status,
    the body's first line and the curl that repeats it."""
    exchange = failing_exchange(r, index) if r and r.status is Status.FAILED else None
    if exchange is None:
        return []
    if not brief:
        return [indent + line for line in exchange_text(exchange, _MAX_BODY).splitlines()]
    x = exchange
    lines = [f"evidence {x.id}:", f"> {x.method} {x.url}"]
    if x.status is None:
        lines.append(f"< no response: {x.error or ''}")
    else:
        lines.append(f"< {x.status}")
        if x.response_body and x.response_body.strip():
            lines.append(f"< {first_line(x.response_body, _BRIEF_BODY)}")
    return [indent + line for line in (*lines, f"$ {x.curl()}")]


def report_lines(
    report: Report, lang: str = "en", evidence: Sequence[Exchange] = (), *, verbose: bool = False
) -> list[str]:
    """The report as plain lines: self-test banner, verdict, counts per class, root causes (with
    the exchange each failed on), leftovers, warnings.

    The default fits a screen; VERBOSE lists every failed, blocked and errored requirement, each
    failure with its exchange.
    """
    v = report.verdict
    lines = [] if report.signed else [f"*** {t('self_test', lang)} ***"]
    lines.append(f"{t('verdict', lang)}: {v.value} — {verdict_meaning(v, lang)}")
    lines += _context_lines(report, lang)
    for cls, counts in report.counts_by_class().items():
        parts = [f"{status_label(s, lang)} {counts[s]}" for s in STATUSES if counts.get(s)]
        lines.append(f"  {report.class_title(cls)}: {', '.join(parts)}")
    index = evidence_index(evidence)
    causes = report.root_causes()
    lines += [line for line in [security_line(report, lang)] if line]
    if verbose:
        lines += _problem_lines(report, lang, index)
        listed = {r.id for r in report.problems()}
    else:
        lines += _cause_lines(causes, report, lang, index) if causes else []
        lines += _error_lines(report, lang)
        listed = {c.requirement for c in causes[:_MAX_CAUSES]}
        listed |= {i for c in causes[:_MAX_CAUSES] for i in c.explains}
    return lines + _footer_lines(report, lang, listed)


def print_report(
    report: Report,
    console: Console,
    lang: str = "en",
    evidence: Sequence[Exchange] = (),
    *,
    verbose: bool = False,
) -> None:
    """Show a report on console: on a terminal the self-test banner first (never green) and the
    verdict in colour, then plain lines."""
    lines = report_lines(report, lang, evidence, verbose=verbose)
    if console.is_terminal:
        if not report.signed:  # a screenshot must not pass for a certificate
            console.print(Text(f" {t('self_test', lang)} ", style="bold black on yellow"))
            lines = lines[1:]
        style = _STYLE[report.verdict] if report.signed else "bold yellow"
        console.print(Text(lines[0], style=style))
        lines = lines[1:]
    for line in lines:
        console.print(Text(line), soft_wrap=True)  # Text: report strings are not markup


def closing_line(report: Report, seconds: float, html: Path, lang: str = "en") -> str:
    """A pytest-style last line: '129 passed, 2 failed, 1 blocked in 41.2s — report: …'."""
    counts = report.counts()
    shown = (Status.PASSED, Status.FAILED, *(s for s in STATUSES[2:] if counts.get(s)))
    parts = [
        t("closing_count", lang).format(n=counts.get(s, 0), status=status_label(s, lang))
        for s in shown
    ]
    joined = ("、" if lang == "ja" else ", ").join(parts)
    return t("closing_line", lang).format(counts=joined, seconds=f"{seconds:.1f}", html=html)
