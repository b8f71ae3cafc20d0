"""Plan and execute a certification run: `run_certification(config, progress) -> RunOutcome`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conform.runner.config import RunConfig
from conform.runner.plan import Plan, PlannedRequirement, make_plan
from conform.runner.progress import NullProgress, Progress
from conform.suite.coverage import SuiteTest, suite_coverage, suite_tests

if TYPE_CHECKING:
    from conform.runner.certify import run_certification
    from conform.runner.outcome import RunOutcome


def __getattr__(name: str) -> Any:
    """The run itself (pytest, requests, ...) is imported when first used, not with the CLI."""
    if name == "run_certification":
        from conform.runner.certify import run_certification

        return run_certification
    if name == "RunOutcome":
        from conform.runner.outcome import RunOutcome

        return RunOutcome
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NullProgress",
    "Plan",
    "PlannedRequirement",
    "Progress",
    "RunConfig",
    "RunOutcome",
    "SuiteTest",
    "make_plan",
    "run_certification",
    "suite_coverage",
    "suite_tests",
]
