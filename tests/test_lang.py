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
