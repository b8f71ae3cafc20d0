"""The terminal view of a report: one screen (root causes first), `verbose` for everything."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from conform.i18n import root_causes_title, status_label, t, verdict_meaning
from conform.report import Report
from conform.reporters._common import STATUSES, first_line, waiver_text
from conform.results import RootCause, Status, Verdict

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


def _cause_lines(causes: Sequence[RootCause], report: Report, lang: str) -> list[str]:
    levels = {r.id: r.level.value for r in report.requirements}
    lines = [f"{root_causes_title(len(causes), lang)}:"]
    for c in causes[:_MAX_CAUSES]:
        lines.append(
            f"  {c.requirement} [{levels.get(c.requirement, '?')}] {first_line(c.message)}"
        )
        also = [i for i in c.explains if i != c.requirement]
        if also:
            lines.append(f"      {t('explains', lang)}: {_ids(also)}")
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


def _problem_lines(report: Report, lang: str) -> list[str]:
    lines = []
    for r in report.problems():
        lines.append(f"{status_label(r.status, lang).upper()} {r.id} [{r.level.value}] {r.title}")
        if r.message:
            lines.append(f"    {first_line(r.message)}")
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


def report_lines(report: Report, lang: str = "en", *, verbose: bool = False) -> list[str]:
    """The report as plain lines: verdict, counts per class, root causes, leftovers, warnings.

    The default fits a screen; VERBOSE lists every failed, blocked and errored requirement.
    """
    v = report.verdict
    lines = [f"{t('verdict', lang)}: {v.value} — {verdict_meaning(v, lang)}"]
    if not report.signed:
        lines.append(t("self_test", lang))
    lines += _context_lines(report, lang)
    for cls, counts in report.counts_by_class().items():
        parts = [f"{status_label(s, lang)} {counts[s]}" for s in STATUSES if counts.get(s)]
        lines.append(f"  {cls}: {', '.join(parts)}")
    causes = report.root_causes()
    if verbose:
        lines += _problem_lines(report, lang)
        listed = {r.id for r in report.problems()}
    else:
        lines += _cause_lines(causes, report, lang) if causes else []
        lines += _error_lines(report, lang)
        listed = {c.requirement for c in causes[:_MAX_CAUSES]}
        listed |= {i for c in causes[:_MAX_CAUSES] for i in c.explains}
    return lines + _footer_lines(report, lang, listed)


def print_report(
    report: Report, console: Console, lang: str = "en", *, verbose: bool = False
) -> None:
    """Show a report on console: the verdict in colour on a terminal, then plain lines."""
    lines = report_lines(report, lang, verbose=verbose)
    if console.is_terminal:
        console.print(Text(lines[0], style=_STYLE[report.verdict]))
        if not report.signed:
            console.print(Text(lines[1], style="bold yellow reverse"))
        lines = lines[1 if report.signed else 2 :]
    else:
        console.print(Text(lines[0]), soft_wrap=True)
        lines = lines[1:]
    for line in lines:
        console.print(Text(line), soft_wrap=True)  # Text: report strings are not markup


def closing_line(report: Report, seconds: float, html: Path) -> str:
    """A pytest-style last line: '129 passed, 2 failed, 1 blocked in 41.2s — report: …'."""
    counts = report.counts()
    parts = [f"{counts.get(s, 0)} {s.value}" for s in (Status.PASSED, Status.FAILED)]
    parts += [f"{counts[s]} {s.value}" for s in STATUSES[2:] if counts.get(s)]
    return f"{', '.join(parts)} in {seconds:.1f}s — report: {html}"
