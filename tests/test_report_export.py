"""Every format reachable: `run --format` and `report export RUN_DIR --format`, on a real run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mini_run import make_bundle, make_suite

from conform.evidence import read_exchanges
from conform.reporters import FILENAMES, ReportFormat
from conform.runner import NullProgress, RunConfig, RunOutcome, run_certification


def conform(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m conform ARGS` as a user runs it."""
    command = [sys.executable, "-m", "conform", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def earl_run(tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    """The miniature certification against the embedded server, asked for EARL only."""
    root = tmp_path_factory.mktemp("mini")
    config = RunConfig(
        bundle=str(make_bundle(root)), suite_dir=make_suite(root), out=root / "out", seed=7,
        formats=(ReportFormat.EARL,),
    )  # fmt: skip
    return run_certification(config, NullProgress())


def test_run_format_writes_exactly_the_asked_formats_beside_the_record(
    earl_run: RunOutcome,
) -> None:
    names = sorted(p.name for p in earl_run.out_dir.iterdir())
    assert names == ["evidence.jsonl", "report.earl.jsonld", "report.json"]
    assert sorted(p.name for p in earl_run.files) == names
    earl = json.loads((earl_run.out_dir / "report.earl.jsonld").read_text(encoding="utf-8"))
    assert "@context" in earl


def test_export_renders_every_other_format_from_the_saved_run(
    earl_run: RunOutcome, tmp_path: Path
) -> None:
    out = tmp_path / "exported"
    args = ["report", "export", str(earl_run.out_dir), "--out", str(out)]
    for name in ("html", "md", "junit", "earl", "json"):
        args += ["--format", name]
    result = conform(*args)
    assert result.returncode == 0, result.stderr
    formats = (ReportFormat.HTML, ReportFormat.MARKDOWN, ReportFormat.JUNIT, ReportFormat.EARL)
    wanted = {FILENAMES[f] for f in (*formats, ReportFormat.JSON)}
    assert {p.name for p in out.iterdir()} == wanted
    assert result.stdout.split() == [str(out / FILENAMES[f]) for f in (*formats, ReportFormat.JSON)]
    # the exported report.json is the run's, byte for byte (its signature would still hold)
    assert (out / "report.json").read_bytes() == (earl_run.out_dir / "report.json").read_bytes()
    # the HTML shows the evidence of a failed requirement, read from the run's evidence file
    failed = next(r for r in earl_run.report.requirements if r.id == "CORE-002")
    assert failed.evidence
    page = (out / "report.html").read_text(encoding="utf-8")
    shown = {x.id: x for x in read_exchanges(earl_run.out_dir / "evidence.jsonl")}
    assert all(f"{i} — {shown[i].method}" in page for i in failed.evidence[-1:])


def test_export_into_the_run_folder_by_default(earl_run: RunOutcome) -> None:
    result = conform("report", "export", str(earl_run.out_dir), "--format", "md")
    assert result.returncode == 0, result.stderr
    assert (earl_run.out_dir / "summary.md").is_file()
    (earl_run.out_dir / "summary.md").unlink()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "error: --format: unknown format 'pdf' (one of "),
        ([], "Missing option '--format'"),
    ],
)
def test_bad_formats_exit_2_before_writing(
    earl_run: RunOutcome, args: list[str], message: str
) -> None:
    before = sorted(p.name for p in earl_run.out_dir.iterdir())
    result = conform("report", "export", str(earl_run.out_dir), *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 or not message.startswith("error")
    assert sorted(p.name for p in earl_run.out_dir.iterdir()) == before


def test_export_refuses_evidence_that_is_not_the_runs(earl_run: RunOutcome, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    copy.mkdir()
    for name in ("report.json", "evidence.jsonl"):
        (copy / name).write_bytes((earl_run.out_dir / name).read_bytes())
    with (copy / "evidence.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "x999999", "test": "forged"}\n')
    result = conform("report", "export", str(copy), "--format", "html")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "does not match the evidence hash the report records" in result.stderr
    assert not (copy / "report.html").exists()
