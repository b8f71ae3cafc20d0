"""report.html: one self-contained page (inline CSS, JS and SVG) a non-developer can read."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from importlib.resources import files
from string import Template

from conform.evidence import Exchange
from conform.i18n import root_causes_title, status_label, t, verdict_meaning
from conform.report import Report
from conform.reporters._common import (
    STATUSES,
    applied_waivers,
    deciding_exchanges,
    evidence_index,
    first_line,
    security_line,
    security_tag,
)
from conform.results import RequirementResult, Status

_TEMPLATE = Template(files("conform.reporters").joinpath("report.html.tmpl").read_text("utf-8"))
_COLOURS = {
    Status.PASSED: "#2e7d32",
    Status.FAILED: "#c62828",
    Status.ERROR: "#e65100",
    Status.BLOCKED: "#8d6e63",
    Status.SKIPPED: "#8a8a8a",
    Status.WAIVED: "#6a1b9a",
}
_MAX_EXCHANGES = 5  # per requirement; the last ones decided it, the rest are in evidence.jsonl
_MAX_BODY = 20_000


def render(report: Report, evidence: Sequence[Exchange] = (), lang: str = "en") -> bytes:
    """The HTML page for a report, in lang (en or ja)."""
    verdict = report.verdict
    page = _TEMPLATE.substitute(
        lang=escape(lang),
        title=escape(f"{t('title', lang)} — {report.target.name}"),
        mark=_mark(report, lang),
        verdict=escape(
            verdict.value if report.signature else f"{verdict.value} — {t('self_test', lang)}"
        ),
        # an unsigned verdict never wears a certificate's colour: a screenshot must not pass
        verdict_class="self-test" if report.signature is None else escape(verdict.value),
        verdict_label=escape(t("verdict", lang)),
        verdict_meaning=escape(verdict_meaning(verdict, lang)),
        interrupted=f"<p>{escape(t('interrupted', lang))}</p>" if report.interrupted else "",
        root_causes=_security(report, lang) + _root_causes(report, lang),
        details=_details(report, lang),
        by_class=_by_class(report, lang),
        matrix=_matrix(report, lang),
        problems=_problems(report, evidence, lang),
        waivers=_waivers(report, lang),
        notes=_notes(report, lang),
        footer=escape(f"{t('generated_by', lang)} {report.harness_version}"),
    )
    return page.encode()


def _badge(status: Status, lang: str) -> str:
    return f'<span class="badge s-{status.value}">{escape(status_label(status, lang))}</span>'


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], attrs: str = "") -> str:
    """A table whose cells are already HTML (callers escape their text)."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table{attrs}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _mark(report: Report, lang: str) -> str:
    if report.signature is None:
        return (
            f'<div class="mark" id="self-test">{escape(t("self_test", lang))}'
            f"<small>{escape(t('self_test_note', lang))}</small></div>"
        )
    key_id = report.signature.get("key_id", "?")
    return (
        f'<div class="signed">{escape(t("signed_by", lang))} <code>{escape(key_id)}</code>. '
        f"{escape(t('signed_note', lang))}</div>"
    )


def _security(report: Report, lang: str) -> str:
    """The security findings, above the root causes: a reviewer sees them first."""
    line = security_line(report, lang)
    return f'<p class="security" id="security"><strong>{escape(line)}</strong></p>' if line else ""


def _tag(r: RequirementResult, lang: str) -> str:
    tag = security_tag(r, lang).strip()
    return f' <span class="badge security">{escape(tag)}</span>' if tag else ""


def _root_causes(report: Report, lang: str) -> str:
    """'N root causes' before everything else: what to fix, each with what it explains."""
    causes = report.root_causes()
    if not causes:
        return ""
    items = "".join(
        f'<li><a href="#p-{escape(c.requirement)}" class="mono">{escape(c.requirement)}</a> '
        f"{escape(first_line(c.message))}"
        + (
            f"<br><small>{escape(t('explains', lang))}: {escape(', '.join(c.explains))}</small>"
            if len(c.explains) > 1
            else ""
        )
        + "</li>"
        for c in causes
    )
    title = root_causes_title(len(causes), lang)
    body = f'<ol class="causes">{items}</ol>'
    return f'<section id="root-causes"><h2>{escape(title)}</h2>{body}</section>'


def _details(report: Report, lang: str) -> str:
    tg, b = report.target, report.bundle
    rows = [
        ("target", tg.name),
        ("url", tg.url),
        ("vendor", tg.vendor),
        ("product_version", tg.product_version),
        ("declared_classes", ", ".join(tg.declared_classes)),
        ("bundle", f"{b.id} {b.version}"),
        ("bundle_sha256", b.sha256),
        ("harness", report.harness_version),
        ("seed", str(report.seed)),
        ("run_id", report.run_id),
        ("started", report.started_at),
        ("finished", report.finished_at),
        ("evidence_sha256", report.evidence.sha256 if report.evidence else ""),
    ]
    body = "".join(
        f'<tr><th>{escape(t(k, lang))}</th><td class="mono">{escape(v)}</td></tr>' for k, v in rows
    )
    return f"<h2>{escape(t('details', lang))}</h2><table>{body}</table>"


def _bar(counts: dict[Status, int], total: int, lang: str) -> str:
    """An inline SVG stacked bar: one segment per status, widths proportional to counts."""
    width, x, rects = 320.0, 0.0, []
    for status in STATUSES:
        n = counts.get(status, 0)
        if not n:
            continue
        w = width * n / total
        label = escape(f"{status_label(status, lang)}: {n}")
        rects.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="18" fill="{_COLOURS[status]}">'
            f"<title>{label}</title></rect>"
        )
        x += w
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="18" role="img">'
        + "".join(rects)
        + "</svg>"
    )


def _by_class(report: Report, lang: str) -> str:
    head = [escape(t("class", lang)), *(_badge(s, lang) for s in STATUSES)]
    head += [escape(t("total", lang)), ""]
    rows = []
    for cls, counts in report.counts_by_class().items():
        total = sum(counts.values())
        cells = [str(counts.get(s, 0)) for s in STATUSES]
        rows.append(
            [escape(report.class_title(cls)), *cells, str(total), _bar(counts, total, lang)]
        )
    return f"<h2>{escape(t('by_class', lang))}</h2>" + _table(head, rows)


def _matrix(report: Report, lang: str) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" data-filter="{s.value}" checked> {_badge(s, lang)} '
        f"({report.counts().get(s, 0)})</label>"
        for s in STATUSES
    )
    head = "".join(
        f"<th>{escape(t(k, lang))}</th>"
        for k in ("id", "req_title", "level", "class", "clause", "status")
    )
    rows = "".join(
        f'<tr data-status="{r.status.value}"><td class="mono">{escape(r.id)}{_tag(r, lang)}</td>'
        f"<td>{escape(r.title)}</td><td>{escape(r.level.value)}</td><td>{escape(report.class_title(r.cls))}</td>"
        f"<td>{escape(r.clause)}</td><td>{_badge(r.status, lang)}</td></tr>"
        for r in report.requirements
    )
    return (
        f"<h2>{escape(t('matrix', lang))}</h2>"
        f'<div class="filters">{escape(t("filter", lang))}: {boxes}</div>'
        f'<table id="matrix"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def _pre(text: str, cls: str = "") -> str:
    if len(text) > _MAX_BODY:
        text = text[:_MAX_BODY] + "\n…"
    return f'<pre class="{cls}">{escape(text)}</pre>'


def _exchange(x: Exchange, lang: str) -> str:
    req_text = f"{x.method} {x.url}\n"
    req_text += "".join(f"{k}: {v}\n" for k, v in x.request_headers.items())
    req_text += "\n" + (x.request_body or "")
    if x.status is None:
        res_text = f"{t('no_response', lang)}: {x.error or ''}"
        outcome = t("no_response", lang)
    else:
        res_text = f"{x.status}\n"
        res_text += "".join(f"{k}: {v}\n" for k, v in x.response_headers.items())
        res_text += "\n" + (x.response_body or "")
        outcome = str(x.status)
    summary = f"{t('exchange', lang)} {x.id} — {x.method} {x.url} → {outcome}"
    return (
        f"<details open><summary>{escape(summary)}</summary>"
        f"<h4>{escape(t('request', lang))}</h4>{_pre(req_text)}"
        f"<h4>{escape(t('response', lang))}</h4>{_pre(res_text)}"
        f"<h4>{escape(t('reproduce', lang))}</h4>{_pre(x.curl(), 'curl')}</details>"
    )


def _problem(r: RequirementResult, index: dict[str, Exchange], lang: str) -> str:
    exchanges = deciding_exchanges(r.evidence, index)[-_MAX_EXCHANGES:]
    shown = "".join(_exchange(x, lang) for x in exchanges) or (
        f"<p>{escape(t('no_evidence', lang))}</p>"
    )
    return (
        f'<section class="problem {r.status.value}" id="p-{escape(r.id)}">'
        f"<h3>{escape(r.id)}{_tag(r, lang)} — {escape(r.title)} {_badge(r.status, lang)}</h3>"
        f'<p class="meta">{escape(r.level.value)} · {escape(r.cls)} · {escape(r.clause)}</p>'
        f"<h4>{escape(t('message', lang))}</h4>{_pre(r.message)}{shown}</section>"
    )


def _problems(report: Report, evidence: Sequence[Exchange], lang: str) -> str:
    index = evidence_index(evidence)
    body = "".join(_problem(r, index, lang) for r in report.problems())
    return f"<h2>{escape(t('problems', lang))}</h2>" + (
        body or f"<p>{escape(t('no_problems', lang))}</p>"
    )


def _waivers(report: Report, lang: str) -> str:
    title = f'<h2 id="waivers">{escape(t("waivers", lang))}</h2>'
    if not report.waivers:
        return title + f"<p>{escape(t('no_waivers', lang))}</p>"
    applied = applied_waivers(report)
    keys = ("requirement", "reason", "approved_by", "ticket", "expires")
    head = [escape(t(k, lang)) for k in (*keys, "applied")]
    rows = [
        [escape(str(w.get(k, ""))) for k in keys]
        + [escape(t("yes" if w.get("requirement") in applied else "no", lang))]
        for w in report.waivers
    ]
    return title + _table(head, rows)


def _notes(report: Report, lang: str) -> str:
    out = ""
    for key, items in (("warnings", report.warnings), ("leftovers", report.leftovers)):
        if items:
            lis = "".join(f"<li>{escape(i)}</li>" for i in items)
            out += f"<h2>{escape(t(key, lang))}</h2><ul>{lis}</ul>"
    return out
