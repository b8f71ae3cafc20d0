"""Write a run's files: evidence.jsonl, report.json (schema-checked), and the other formats."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from conform.evidence import read_evidence
from conform.report import Report, write_atomic
from conform.reporters import DEFAULT_FORMATS, ReportFormat, write_all
from conform.resources import schema_path

REPORT_FILE = "report.json"
EVIDENCE_FILE = "evidence.jsonl"


def default_out_dir(system: str, now: datetime | None = None) -> Path:
    """reports/<system>-<UTC timestamp>/, relative to the current directory."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", system).strip("-.") or "target"
    folder, n = Path("reports") / f"{safe}-{stamp}", 1
    while folder.exists():  # two runs in one second: never overwrite the first
        n += 1
        folder = Path("reports") / f"{safe}-{stamp}-{n}"
    return folder


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


def write_report(report: Report, out_dir: Path) -> Path:
    """report.json, atomically; a document breaking the schema is a harness bug, never written."""
    doc = report.to_dict()
    problems = check_report(doc)
    if problems:
        raise RuntimeError(f"report.json would break report.schema.json: {problems[0]}")
    path = out_dir / REPORT_FILE
    write_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


def write_other_formats(report: Report, out_dir: Path) -> list[Path]:
    """The human and CI formats (HTML, JUnit, Markdown) beside report.json."""
    evidence = read_evidence(out_dir / EVIDENCE_FILE) if report.evidence else []
    formats = [f for f in DEFAULT_FORMATS if f is not ReportFormat.JSON]
    written = write_all(report, out_dir, evidence, formats, report.lang)
    return list(written.values())


def report_evidence(path: Path, report: Report) -> list[dict[str, Any]]:
    """The exchanges beside a saved report (PATH: report.json or its folder); [] if none."""
    folder = path if path.is_dir() else path.parent
    if report.evidence is None or not (folder / report.evidence.file).is_file():
        return []
    return read_evidence(folder / report.evidence.file)


LAST = "last"


def link_last(out_dir: Path) -> None:
    """Point <reports>/last at OUT_DIR (a relative symlink, replaced atomically).

    So `--baseline reports/last` always names the previous run. Where symlinks are not
    allowed, nothing is linked: the run itself is not at stake.
    """
    link = out_dir.parent / LAST
    tmp = out_dir.parent / f".{LAST}.{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(out_dir.name, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)
