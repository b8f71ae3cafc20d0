"""report.json against its published schema: written reports conform, deviations are rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from report_samples import make_report, sample_evidence, write_report_dir

from conform.report import Report, load_report
from conform.reporters import ReportFormat
from conform.runner.output import check_report, write_formats
from conform.signing import PASSPHRASE_ENV, generate_keys


def sample_doc() -> dict[str, Any]:
    return make_report().to_dict()


def test_sample_report_conforms_and_round_trips(tmp_path: Path) -> None:
    report = write_report_dir(tmp_path, make_report(), sample_evidence())
    doc = json.loads((tmp_path / "report.json").read_text())
    assert check_report(doc) == []
    assert load_report(tmp_path) == report


def test_signed_report_conforms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    private, _ = generate_keys(tmp_path / "keys")
    write_report_dir(tmp_path, make_report(), sample_evidence(), key=private)
    doc = json.loads((tmp_path / "report.json").read_text())
    assert "signature" in doc
    assert check_report(doc) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(surprise=1), "/: Additional properties"),
        (lambda d: d["requirements"][0].update(note="x"), "/requirements/0: Additional"),
        (lambda d: d["requirements"][0].update(status="ok"), "/requirements/0/status"),
        (lambda d: d.update(verdict="PASSED"), "/verdict"),
        (lambda d: d["bundle"].update(sha256="nothex"), "/bundle/sha256"),
        (lambda d: d["requirements"][1].update(message=""), "/requirements/1/message"),
        (lambda d: d.pop("seed"), "/: 'seed' is a required property"),
        (lambda d: d["requirements"][0].update(evidence=["e1"]), "/requirements/0/evidence/0"),
    ],
)
def test_schema_rejects_deviations(change: Any, where: str) -> None:
    doc = sample_doc()
    change(doc)
    problems = check_report(doc)
    assert any(p.startswith(where) for p in problems), problems


def test_write_formats_refuses_a_nonconforming_report(tmp_path: Path) -> None:
    report = make_report(seed=-1)
    with pytest.raises(RuntimeError, match="/seed"):
        write_formats(report, tmp_path, [], list(ReportFormat))
    assert not list(tmp_path.iterdir())  # nothing half-written, no format at all
    assert write_formats(make_report(), tmp_path, [], []) == [tmp_path / "report.json"]
    assert Report.from_dict(json.loads((tmp_path / "report.json").read_text())).seed == 42
