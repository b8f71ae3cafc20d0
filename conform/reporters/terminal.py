"""The terminal view of a report: rich tables on a TTY, plain lines for logs and pipes."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conform.evidence import Exchange
from conform.i18n import status_label, t, verdict_meaning
from conform.report import Report
from conform.reporters._common import (
    STATUSES,
    evidence_index,
    exchange_text,
    failing_exchange,
    first_line,
    waiver_text,
)
from conform.results import RequirementResult, Status, Verdict

_MAX_BODY = 600  # characters of each body of a failing exchange shown in the terminal

_STYLE = {
    Verdict.CERTIFIED: "bold green",
    Verdict.CONDITIONAL: "bold yellow",
    Verdict.NOT_CERTIFIED: "bold red",
    Verdict.INCOMPLETE: "bold magenta",
}


def _context_lines(report: Report, lang: str) -> list[str]:
    b, tg = report.bundle, report.target
    return [
        f"{t('target', lang)}: {tg.name} {tg.url} {tg.product_version}".rstrip(),
        f"{t('bundle', lang)}: {b.id}@{b.version} {b.sha256}",
    ]


def _footer_lines(report: Report, lang: str) -> list[str]:
    lines = [
        f"{t('waivers', lang)}: {w.get('requirement')} {waiver_text(w)}" for w in report.waivers
    ]
    return lines + [f"{t('warnings', lang)}: {w}" for w in report.warnings]


def _exchange_lines(
    r: RequirementResult, index: dict[str, Exchange], indent: str = "    "
) -> list[str]:
    """The failing exchange of R (request, response, curl), clipped for a terminal."""
    exchange = failing_exchange(r, index) if r.status is Status.FAILED else None
    if exchange is None:
        return []
    return [indent + line for line in exchange_text(exchange, _MAX_BODY).splitlines()]


def report_lines(report: Report, lang: str = "en", evidence: Sequence[Exchange] = ()) -> list[str]:
    """The report as plain text lines (no colour, no box drawing)."""
    v = report.verdict
    lines = [] if report.signed else [f"*** {t('self_test', lang)} ***"]
    lines.append(f"{t('verdict', lang)}: {v.value} — {verdict_meaning(v, lang)}")
    lines += _context_lines(report, lang)
    for cls, counts in report.counts_by_class().items():
        parts = [f"{status_label(s, lang)} {counts[s]}" for s in STATUSES if counts.get(s)]
        lines.append(f"  {report.class_title(cls)}: {', '.join(parts)}")
    index = evidence_index(evidence)
    for r in report.problems():
        label = r.status.value.upper() if lang == "en" else status_label(r.status, lang)
        lines.append(f"{label} {r.id} [{r.level.value}] {r.title}")
        if r.message:
            lines.append(f"    {first_line(r.message)}")
        lines += _exchange_lines(r, index)
    return lines + _footer_lines(report, lang)


def print_report(
    report: Report, console: Console, lang: str = "en", evidence: Sequence[Exchange] = ()
) -> None:
    """Show a report on console: tables when it is a terminal, plain lines otherwise."""
    if not console.is_terminal:
        for line in report_lines(report, lang, evidence):
            console.print(Text(line), soft_wrap=True)
        return
    v = report.verdict
    if not report.signed:  # first and never green: a screenshot must not pass for a certificate
        console.print(Text(f" {t('self_test', lang)} ", style="bold black on yellow"))
    style = _STYLE[v] if report.signed else "bold yellow"
    console.print(Text(f"{t('verdict', lang)}: {v.value}", style=style))
    console.print(Text(verdict_meaning(v, lang)))
    for line in _context_lines(report, lang):
        console.print(Text(line))
    counts = Table(title=t("by_class", lang))
    counts.add_column(t("class", lang))
    for s in STATUSES:
        counts.add_column(status_label(s, lang), justify="right")
    for cls, c in report.counts_by_class().items():
        counts.add_row(Text(report.class_title(cls)), *(str(c.get(s, 0)) for s in STATUSES))
    console.print(counts)
    if report.problems():
        problems = Table(title=t("problems", lang))
        for key in ("id", "level", "status", "req_title", "message"):
            problems.add_column(t(key, lang), overflow="fold")
        for r in report.problems():
            cells = (
                r.id,
                r.level.value,
                status_label(r.status, lang),
                r.title,
                first_line(r.message),
            )
            problems.add_row(*(Text(c) for c in cells))  # Text: report strings are not markup
        console.print(problems)
        index = evidence_index(evidence)
        for r in report.problems():
            shown = _exchange_lines(r, index, "  ")
            if shown:
                console.print(Text(f"{r.id}:", style="bold"))
                console.print(Text("\n".join(shown)), soft_wrap=True)
    for line in _footer_lines(report, lang):
        console.print(Text(line))
