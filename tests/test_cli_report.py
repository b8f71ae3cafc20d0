"""Acceptance tests of `conform report show|verify|diff` and `conform keys generate`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from report_samples import make_report, result, sample_evidence, write_report_dir

from conform.bundle import load_bundle
from conform.report import BundleRef
from conform.results import Status
from conform.signing import PASSPHRASE_ENV

PASSPHRASE = "correct horse battery staple"


def run_cli(*args: str, passphrase: str | None = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    """Run `python -m conform ARGS` as a user would (not a TTY: plain output)."""
    env = {k: v for k, v in os.environ.items() if k != PASSPHRASE_ENV}
    if passphrase is not None:
        env[PASSPHRASE_ENV] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "conform", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    done = run_cli("keys", "generate", str(folder))
    assert done.returncode == 0, done.stderr
    return folder


def _city_os() -> BundleRef:
    bundle = load_bundle("city-os@1.0")
    return BundleRef(bundle.id, bundle.version, bundle.sha256)


@pytest.mark.parametrize(
    ("status", "code", "verdict"),
    [
        (Status.PASSED, 0, "CERTIFIED"),
        (Status.FAILED, 1, "NOT_CERTIFIED"),
        (Status.ERROR, 3, "INCOMPLETE"),
    ],
)
def test_show_prints_verdict_and_exits_as_the_run_did(
    tmp_path: Path, status: Status, code: int, verdict: str
) -> None:
    results = (result("CORE-001", Status.PASSED), result("CORE-002", status, message="got 500"))
    write_report_dir(tmp_path, make_report(results=results), [])
    done = run_cli("report", "show", str(tmp_path / "report.json"))
    assert done.returncode == code, done.stderr
    assert f"Verdict: {verdict}" in done.stdout
    assert "Self-test — not a certification" in done.stdout
    assert "core-entities: passed " in done.stdout


def test_show_lists_failures_with_reasons_in_japanese(tmp_path: Path) -> None:
    write_report_dir(tmp_path, make_report(), sample_evidence())
    done = run_cli("report", "show", str(tmp_path), "--lang", "ja")
    assert done.returncode == 1
    assert "判定: NOT_CERTIFIED" in done.stdout
    assert "件の根本原因:" in done.stdout  # root causes first, in Japanese
    assert "  CORE-002 [MUST] expected status 201, got 500" in done.stdout
    assert "CITY-123" in done.stdout  # the waiver
    verbose = run_cli("report", "show", str(tmp_path), "--lang", "ja", "--verbose")
    assert "不合格 CORE-002 [MUST]" in verbose.stdout, verbose.stdout


def test_show_of_a_missing_report_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("report", "show", str(tmp_path / "nope.json"))
    assert done.returncode == 2 and done.stderr.startswith("error: ")
    assert "nope.json" in done.stderr and "Traceback" not in done.stderr


def test_keys_generate_needs_passphrase_and_refuses_to_overwrite(key_dir: Path) -> None:
    assert sorted(p.name for p in key_dir.iterdir()) == [
        "conform-signing.key",
        "conform-signing.pub",
    ]
    again = run_cli("keys", "generate", str(key_dir))
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    missing = run_cli("keys", "generate", str(key_dir.parent / "new"), passphrase=None)
    assert missing.returncode == 2 and PASSPHRASE_ENV in missing.stderr


def test_verify_passes_then_names_the_tampered_check(
    tmp_path: Path, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)  # sign_report reads it in this process
    folder = tmp_path / "report"
    key = key_dir / "conform-signing.key"
    write_report_dir(folder, make_report(bundle=_city_os()), sample_evidence(), key=key)
    pub = str(key_dir / "conform-signing.pub")

    done = run_cli("report", "verify", str(folder), "--public-key", pub)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature: ok" in done.stdout and "evidence: ok" in done.stdout
    assert "bundle: ok" in done.stdout and "report verified" in done.stdout

    unpinned = run_cli("report", "verify", str(folder))
    assert unpinned.returncode == 0 and "key not pinned" in unpinned.stdout

    report_json = folder / "report.json"
    original = report_json.read_text()
    report_json.write_text(original.replace('"status": "failed"', '"status": "passed"', 1))
    done = run_cli("report", "verify", str(folder), "--public-key", pub)
    assert done.returncode == 1 and "signature: FAILED" in done.stdout

    report_json.write_text(original)
    with (folder / "evidence.jsonl").open("ab") as fh:
        fh.write(b"\n")
    done = run_cli("report", "verify", str(folder), "--public-key", pub)
    assert done.returncode == 1
    assert "signature: ok" in done.stdout and "evidence: FAILED" in done.stdout


def test_diff_prints_changes_and_exits_zero(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write_report_dir(old, make_report(results=(result("CORE-001", Status.PASSED),)), [])
    write_report_dir(new, make_report(results=(result("CORE-001", Status.FAILED),)), [])
    done = run_cli("report", "diff", str(old), str(new / "report.json"))
    assert done.returncode == 0, done.stderr
    assert "verdict: CERTIFIED -> NOT_CERTIFIED" in done.stdout
    assert "newly failing (1): CORE-001" in done.stdout
