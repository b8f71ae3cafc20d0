"""The terminal progress bar counts what really runs: parametrised tests once per case."""

from __future__ import annotations

import io
from pathlib import Path

from mini_run import SUITE, make_bundle, make_suite
from rich.console import Console

from conform.cli.progress import RichProgress, make_progress
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


def test_bar_total_counts_each_parametrised_case(tmp_path: Path) -> None:
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
