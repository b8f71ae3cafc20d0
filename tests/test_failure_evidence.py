"""A failure is shown with its proof: request, response and curl in the terminal, `report show`,
junit.xml and summary.md; `report show --evidence ID` prints one exchange in full."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from mini_run import make_bundle, make_suite
from test_cli_run import conform

from conform.reference import ReferenceServer


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(report folder, terminal output) of the miniature run, where CORE-002 fails on a 404."""
    root = tmp_path_factory.mktemp("evidence")
    bundle, suite = make_bundle(root), make_suite(root)
    with ReferenceServer(port=0) as server:
        proc = conform("--url", server.url, "--bundle", str(bundle), "--suite", str(suite),
                       "--out", str(root / "out"), cwd=root)  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    yield root / "out", proc.stdout


def _cited(out: Path) -> str:
    doc = json.loads((out / "report.json").read_text())
    message = next(r["message"] for r in doc["requirements"] if r["id"] == "CORE-002")
    found = re.search(r"\[(x[0-9]+)\]", message)
    assert found, message
    return found.group(1)


def _shows_the_exchange(text: str, exchange_id: str) -> None:
    assert f"evidence {exchange_id}:" in text
    assert re.search(r"> GET http://127\.0\.0\.1:[0-9]+/ngsi-ld/v1/entities/urn:ngsi-ld:", text)
    assert "< 404" in text and "ResourceNotFound" in text  # the status and the body the target sent
    assert "$ curl -i -X GET http://127.0.0.1:" in text


def report_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conform", "report", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_terminal_shows_the_failing_exchange(failed_run: tuple[Path, str]) -> None:
    out, stdout = failed_run
    _shows_the_exchange(stdout, _cited(out))


def test_report_show_junit_and_summary_show_it(failed_run: tuple[Path, str]) -> None:
    out, _ = failed_run
    cited = _cited(out)
    shown = report_cli("show", str(out))
    assert shown.returncode == 1
    _shows_the_exchange(shown.stdout, cited)
    failure = ET.parse(out / "junit.xml").find(".//testcase[@name='CORE-002 fails']/failure")
    assert failure is not None and failure.text is not None
    _shows_the_exchange(failure.text, cited)
    summary = (out / "summary.md").read_text()
    assert f"<details><summary>{cited}</summary>" in summary
    _shows_the_exchange(summary, cited)


def test_report_show_evidence_prints_one_exchange(failed_run: tuple[Path, str]) -> None:
    out, _ = failed_run
    cited = _cited(out)
    shown = report_cli("show", str(out), "--evidence", cited)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"evidence {cited}:\n> GET http://127.0.0.1:")
    _shows_the_exchange(shown.stdout, cited)
    missing = report_cli("show", str(out), "--evidence", "x999999")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: --evidence: {out} has no recorded exchange 'x999999'"


def test_junit_times_are_real(failed_run: tuple[Path, str]) -> None:
    out, _ = failed_run
    root = ET.parse(out / "junit.xml").getroot()
    cases = {c.get("name", "").split()[0]: float(c.get("time", "x")) for c in root.iter("testcase")}
    assert cases["CORE-002"] > 0 and cases["CORE-005"] > 0  # they sent requests
    assert cases["CORE-003"] == 0  # no test, no time
    suites = [float(s.get("time", "x")) for s in root.iter("testsuite")]
    assert abs(float(root.get("time", "x")) - sum(suites)) < 0.01
