"""Report formats: a registry of pure reporters keyed by `ReportFormat`, and writing them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path

from conform.errors import UsageError
from conform.evidence import Exchange
from conform.files import write_atomic
from conform.report import Report
from conform.reporters import earl, html, json_, junit, markdown


class ReportFormat(StrEnum):
    """An output format of a report."""

    JSON = "json"
    HTML = "html"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    EARL = "earl"


Renderer = Callable[[Report, Sequence[Exchange], str], bytes]

_RENDERERS: dict[ReportFormat, Renderer] = {
    ReportFormat.JSON: json_.render,
    ReportFormat.HTML: html.render,
    ReportFormat.JUNIT: junit.render,
    ReportFormat.MARKDOWN: markdown.render,
    ReportFormat.EARL: earl.render,
}

FILENAMES: dict[ReportFormat, str] = {
    ReportFormat.JSON: "report.json",
    ReportFormat.HTML: "report.html",
    ReportFormat.JUNIT: "junit.xml",
    ReportFormat.MARKDOWN: "summary.md",
    ReportFormat.EARL: "report.earl.jsonld",
}

# EARL is an opt-in export (`run --format earl`, `report export`); the rest make up every run.
DEFAULT_FORMATS = (ReportFormat.JSON, ReportFormat.HTML, ReportFormat.JUNIT, ReportFormat.MARKDOWN)
# The names users type: each format's value, and `md` for Markdown.
FORMAT_NAMES: dict[str, ReportFormat] = {f.value: f for f in ReportFormat} | {
    "md": ReportFormat.MARKDOWN
}


def parse_formats(names: Iterable[str], flag: str = "--format") -> tuple[ReportFormat, ...]:
    """The formats NAMES name, in order without repeats; UsageError naming FLAG otherwise."""
    formats: list[ReportFormat] = []
    for name in names:
        fmt = FORMAT_NAMES.get(name.strip().lower())
        if fmt is None:
            choices = "|".join(sorted(FORMAT_NAMES))
            raise UsageError(f"{flag}: unknown format {name!r} (one of {choices})")
        formats.append(fmt)
    return tuple(dict.fromkeys(formats))


def render(
    report: Report,
    fmt: ReportFormat,
    evidence: Sequence[Exchange] | None = None,
    lang: str = "en",
) -> bytes:
    """The report in one format, as bytes."""
    return _RENDERERS[fmt](report, evidence or (), lang)


def write_all(
    report: Report,
    out_dir: Path,
    evidence: Sequence[Exchange] | None = None,
    formats: Iterable[ReportFormat] = DEFAULT_FORMATS,
    lang: str = "en",
) -> dict[ReportFormat, Path]:
    """Write each format into out_dir atomically; returns the path written per format."""
    written: dict[ReportFormat, Path] = {}
    for fmt in formats:
        path = out_dir / FILENAMES[fmt]
        write_atomic(path, render(report, fmt, evidence, lang))
        written[fmt] = path
    return written
