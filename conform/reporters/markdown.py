"""summary.md: a short Markdown summary for CI job summaries and pull-request comments."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from conform.evidence import Exchange
from conform.i18n import root_causes_title, status_label, t, verdict_meaning
from conform.report import Report
from conform.reporters._common import (
    STATUSES,
    applied_waivers,
    evidence_index,
    exchange_text,
    failing_exchange,
    first_line,
    security_line,
    security_tag,
)
from conform.results import Level, Status, Verdict

_ICON = {
    Verdict.CERTIFIED: "✅",
    Verdict.CONDITIONAL: "🟡",
    Verdict.NOT_CERTIFIED: "❌",
    Verdict.INCOMPLETE: "⚠️",
}
_MAX_LISTED = 25  # failed MUSTs listed; a job summary should stay readable
_MAX_BODY = 600  # characters of each body in a listed failure's exchange


def _cell(text: object) -> str:
    """Text safe inside a table cell: no HTML, and no pipes or newlines to break the row."""
    return escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _root_causes(report: Report, lang: str) -> list[str]:
    """'N root causes' first: what to fix, each with the requirements it explains."""
    causes = report.root_causes()
    if not causes:
        return []
    lines = [f"### {root_causes_title(len(causes), lang)}", ""]
    for c in causes[:_MAX_LISTED]:
        also = [i for i in c.explains if i != c.requirement]
        more = f" ({t('explains', lang)}: {', '.join(also)})" if also else ""
        lines.append(f"1. **{c.requirement}** {_cell(first_line(c.message))}{more}")
    if len(causes) > _MAX_LISTED:
        lines.append(f"- {t('more_in_report', lang).format(n=len(causes) - _MAX_LISTED)}")
    return [*lines, ""]


def render(report: Report, evidence: Sequence[Exchange] = (), lang: str = "en") -> bytes:
    """The Markdown summary of a report."""
    v, b, tg = report.verdict, report.bundle, report.target
    lines = [
        f"## {_ICON[v]} {t('verdict', lang)}: **{v.value}** — {tg.name}",
        "",
        verdict_meaning(v, lang),
        "",
    ]
    if not report.signed:
        lines += [f"> **{t('self_test', lang)}** — {t('self_test_note', lang)}", ""]
    findings = security_line(report, lang)
    lines += [f"**{findings}**", ""] if findings else []
    lines += _root_causes(report, lang)
    lines += [
        f"{t('target', lang)}: `{tg.url}` {tg.product_version} · "
        f"{t('bundle', lang)}: `{b.id}@{b.version}` (`{b.sha256[:12]}`) · "
        f"{t('harness', lang)}: {report.harness_version} · {t('seed', lang)}: {report.seed}",
        "",
        _row([t("class", lang), *(status_label(s, lang) for s in STATUSES)]),
        _row(["---"] * (len(STATUSES) + 1)),
    ]
    for cls, counts in report.counts_by_class().items():
        lines.append(_row([report.class_title(cls), *(counts.get(s, 0) for s in STATUSES)]))
    failed = [r for r in report.problems() if r.level is Level.MUST and r.status is Status.FAILED]
    if failed:
        lines += ["", f"### {t('failed_musts', lang)}", ""]
        index = evidence_index(evidence)
        for r in failed[:_MAX_LISTED]:
            tag = security_tag(r, lang)
            lines.append(f"- {tag}**{r.id}** {_cell(r.title)}: {_cell(first_line(r.message))}")
            exchange = failing_exchange(r, index)
            if exchange is not None:  # collapsed: the list stays short, the proof one click away
                text = exchange_text(exchange, _MAX_BODY).replace("`", "'")
                lines += [f"  <details><summary>{exchange.id}</summary>", "",
                          "  ```text", *(f"  {line}" for line in text.splitlines()), "  ```",
                          "", "  </details>"]  # fmt: skip
        if len(failed) > _MAX_LISTED:
            lines.append(f"- … +{len(failed) - _MAX_LISTED} (report.html)")
    if report.leftovers:
        lines += ["", f"### {t('leftovers', lang)}", "", f"{t('leftovers_note', lang)}:", ""]
        lines += [f"- `{_cell(item)}`" for item in report.leftovers]
    lines += ["", f"### {t('waivers', lang)}", ""]
    if report.waivers:
        keys = ("requirement", "reason", "approved_by", "ticket", "expires")
        applied = applied_waivers(report)
        lines += [_row([t(k, lang) for k in (*keys, "applied")]), _row(["---"] * 6)]
        for w in report.waivers:
            used = t("yes" if w.get("requirement") in applied else "no", lang)
            lines.append(_row([*(w.get(k, "") for k in keys), used]))
    else:
        lines.append(t("no_waivers", lang))
    # Collapsed, so the summary stays short in a CI job page or pull-request comment.
    lines += ["", f"<details><summary>{t('matrix', lang)}</summary>", ""]
    lines += [_row([t(k, lang) for k in ("id", "level", "class", "status", "req_title")])]
    lines += [_row(["---"] * 5)]
    for r in report.requirements:
        lines.append(
            _row(
                [
                    security_tag(r, lang) + r.id,
                    r.level.value,
                    report.class_title(r.cls),
                    status_label(r.status, lang),
                    r.title,
                ]
            )
        )
    lines += ["", "</details>"]
    return ("\n".join(lines) + "\n").encode()
