"""Report formats: a registry of pure reporters keyed by `ReportFormat`, and writing them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from conform.report import Report, write_atomic
from conform.reporters import earl, html, json_, junit, markdown


class ReportFormat(StrEnum):
    """An output format of a report."""

    JSON = "json"
    HTML = "html"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    EARL = "earl"


Renderer = Callable[[Report, Sequence[dict[str, Any]], str], bytes]

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

# EARL is an opt-in export; the rest make up every report folder.
DEFAULT_FORMATS = (ReportFormat.JSON, ReportFormat.HTML, ReportFormat.JUNIT, ReportFormat.MARKDOWN)


def render(
    report: Report,
    fmt: ReportFormat,
    evidence: Sequence[dict[str, Any]] | None = None,
    lang: str = "en",
) -> bytes:
    """The report in one format, as bytes."""
    return _RENDERERS[fmt](report, evidence or (), lang)


def write_all(
    report: Report,
    out_dir: Path,
    evidence: Sequence[dict[str, Any]] | None = None,
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
