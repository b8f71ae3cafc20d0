"""--lang ja: everything a user reads in Japanese; one message for a bad language anywhere."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli_run import conform

from conform.reference import ReferenceServer

ENGLISH_LINES = re.compile(
    r"^(probing|running \d+ tests|cleaning up|writing the report|report written|target:"
    r"|run [0-9a-f]+,|\d+ requirements to run|Verdict|passed |failed |  core-entities:)",
    re.MULTILINE,
)


def test_ja_run_speaks_japanese(tmp_path: Path) -> None:
    with ReferenceServer(port=0) as server:
        proc = conform("--url", server.url, "--lang", "JA", "--only", "CORE-001",
                       "--out", str(tmp_path / "o"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert ENGLISH_LINES.findall(proc.stdout) == []
    for line in (
        "に接続を確認しています",
        "作成したリソースを削除しています",
        "報告書の出力先: ",
        "試験対象: ",
        "判定: INCOMPLETE",
        "  エンティティの作成・取得・更新・削除: 合格 1",
    ):
        assert line in proc.stdout, line  # fmt: skip
    doc = json.loads((tmp_path / "o" / "report.json").read_text())
    core1 = next(r for r in doc["requirements"] if r["id"] == "CORE-001")
    assert core1["title"] == "エンティティ作成は 201 と Location を返す"  # the bundle's ja title
    assert doc["bundle"]["class_titles"]["batch"] == "エンティティの一括操作"
    page = (tmp_path / "o" / "report.html").read_text()
    assert "<td>エンティティの一括操作</td>" in page and "<td>batch</td>" not in page


@pytest.mark.parametrize(
    "command", [["run"], ["report", "show", "nowhere"], ["spec", "show", "city-os@1.0"]]
)
def test_a_bad_language_gets_one_message_everywhere(command: list[str], tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conform", *command, "--lang", "fr"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == "error: --lang: must be one of en, ja, got 'fr'\n"


def test_report_warnings_in_japanese(tmp_path: Path) -> None:
    """Every kind of warning the core writes (made by the code that writes it) reads in Japanese."""
    from conform.i18n import failure_text, warning_text
    from conform.results import Level, RequirementResult, Status
    from conform.runner.outcome import _warnings
    from conform.waivers import load_waivers

    should = RequirementResult(
        "ERR-007", "t", Level.SHOULD, "errors-content", "c", Status.FAILED,
        "expected status 400, got 200 [x000012]",
    )  # fmt: skip
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "- {requirement: CORE-001, reason: r, approved_by: a, ticket: T-1, expires: 2000-01-01}\n"
        "- {requirement: NOPE-001, reason: r, approved_by: a, ticket: T-2, expires: 2999-01-01}\n"
        "- {requirement: CORE-002, reason: r, approved_by: a, ticket: T-3, expires: 2999-01-01}\n"
        "- {requirement: CORE-002, reason: r, approved_by: a, ticket: T-4, expires: 2999-01-01}\n"
    )
    from datetime import date

    _, from_waivers = load_waivers(waivers, date(2026, 1, 1), known_ids={"CORE-001", "CORE-002"})
    lines = [*_warnings([should], ["boom"]), *from_waivers]
    lines.append("2 regression(s) since baseline run ab12 (2026-11-01T00:00:00Z): passed there, "
                 "not now: CORE-001 (failed), QRY-002 (error)")  # fmt: skip
    assert len(lines) == 6
    for line in lines:
        ja = warning_text(line, "ja")
        assert ja != line and not re.search(r"\b(failed|ignored|regression|waiver|expected)\b", ja)
    assert warning_text(lines[0], "ja") == (
        "SHOULD ERR-007 は不合格（判定には影響しません）: "
        + failure_text("expected status 400, got 200 [x000012]", "ja")
    )
