"""Progress on the terminal: a bar that counts what runs, --quiet, --verbose, and -h."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from mini_run import SUITE, make_bundle, make_suite
from rich.console import Console
from test_cli_run import conform

from conform.cli.progress import PlainProgress, QuietProgress, RichProgress, make_progress
from conform.reference import ReferenceServer
from conform.runner import RunConfig, run_certification

PARAMETRISED = (
    SUITE
    + """

@pytest.mark.req("CORE-001")
@pytest.mark.read_only
@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6])
def test_limits(client, limit):
    expect_status(client.get("/entities", params={"type": "Thing", "limit": str(limit)}), 200)
"""
)


def test_bar_total_counts_each_parametrised_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)  # CI gets plain lines; this test is about the bar
    bundle, suite = make_bundle(tmp_path), make_suite(tmp_path, PARAMETRISED)
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    progress = make_progress("en", console)
    assert isinstance(progress, RichProgress)
    with ReferenceServer(port=0) as server:
        config = RunConfig(url=server.url, bundle=str(bundle), suite_dir=suite,
                           out=tmp_path / "out", seed=1)  # fmt: skip
        run_certification(config, progress)
    task = progress._bar.tasks[0]
    assert task.completed == task.total == 4 + 6  # four plain tests (batch undeclared), six cases


def test_verbose_gives_lines_even_on_a_terminal_and_quiet_gives_none() -> None:
    tty = Console(file=io.StringIO(), force_terminal=True)
    assert type(make_progress("en", tty, verbose=True)) is PlainProgress
    assert isinstance(make_progress("en", tty, quiet=True), QuietProgress)


def test_quiet_run_prints_one_line(tmp_path: Path) -> None:
    with ReferenceServer(port=0) as server:
        proc = conform("--url", server.url, "--only", "CORE-001", "--quiet",
                       "--out", str(tmp_path / "o"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3
    assert proc.stdout == f"INCOMPLETE — {tmp_path / 'o'}\n"


@pytest.mark.parametrize("args", [["-h"], ["run", "-h"], ["report", "verify", "-h"]])
def test_dash_h_is_help(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "conform", *args],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: ")


def test_quiet_and_verbose_conflict(tmp_path: Path) -> None:
    proc = conform("--quiet", "--verbose", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "error: --quiet and --verbose: choose one\n"
