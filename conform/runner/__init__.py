"""Plan and execute a certification run: `run_certification(config, progress) -> RunOutcome`."""

from __future__ import annotations

from conform.runner.certify import run_certification
from conform.runner.config import RunConfig
from conform.runner.outcome import RunOutcome
from conform.runner.plan import Plan, PlannedRequirement, make_plan
from conform.runner.progress import NullProgress, Progress
from conform.suite.coverage import SuiteTest, suite_coverage, suite_tests

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
