"""Where a run's files go, and writing report.json (schema-checked) and the other formats."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from conform.errors import ConfigError
from conform.evidence import Exchange, read_exchanges
from conform.report import Report, load_report
from conform.reporters import DEFAULT_FORMATS, ReportFormat, write_all
from conform.resources import schema_path

REPORT_FILE = "report.json"
EVIDENCE_FILE = "evidence.jsonl"


def default_out_dir(system: str, now: datetime | None = None) -> Path:
    """reports/<system>-<UTC timestamp>/, relative to the current directory."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", system).strip("-.") or "target"
    return Path("reports") / f"{safe}-{stamp}"


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(schema_path("report.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def check_report(doc: dict[str, Any]) -> list[str]:
    """Where DOC breaks the published report schema (empty when it conforms)."""
    return [
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in _validator().iter_errors(doc)
    ]


def write_formats(
    report: Report,
    out_dir: Path,
    evidence: Sequence[Exchange],
    formats: Iterable[ReportFormat] = DEFAULT_FORMATS,
) -> list[Path]:
    """report.json and every other format of FORMATS, from the report and evidence in memory.

    report.json is always written (it is the record); a document breaking the published schema
    is a harness bug and nothing is written.
    """
    problems = check_report(report.to_dict())
    if problems:
        raise RuntimeError(f"report.json would break report.schema.json: {problems[0]}")
    wanted = [ReportFormat.JSON, *(f for f in formats if f is not ReportFormat.JSON)]
    written = write_all(report, out_dir, evidence, dict.fromkeys(wanted), report.lang)
    return list(written.values())


def export_report(
    run_dir: Path, formats: Iterable[ReportFormat], out_dir: Path | None = None
) -> list[Path]:
    """Render a finished run's report (and its evidence) in FORMATS into OUT_DIR (or RUN_DIR).

    The evidence must be the one the report names (same SHA-256): a report is never rendered
    beside someone else's evidence. report.json itself is only rewritten where asked for.
    """
    report = load_report(run_dir)
    folder = run_dir if run_dir.is_dir() else run_dir.parent
    evidence: list[Exchange] = []
    if report.evidence is not None:
        file = folder / report.evidence.file
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read the run's evidence: {exc.strerror}") from exc
        if digest != report.evidence.sha256:
            raise ConfigError(
                f"{file}: does not match the evidence hash the report records "
                "(see `conform report verify`)"
            )
        evidence = read_exchanges(file)
    target = out_dir or folder
    target.mkdir(parents=True, exist_ok=True)
    return list(write_all(report, target, evidence, formats, report.lang).values())
