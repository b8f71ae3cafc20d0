"""From test outcomes to requirement results (fail closed), and what a run hands back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conform.errors import ExitCode
from conform.report import Report
from conform.results import RequirementResult, Status, Verdict, exit_code_for
from conform.runner.execute import TestOutcome
from conform.runner.plan import NO_TEST, Plan, PlannedRequirement


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: the report, the folder it was written to, the files, the exit code."""

    report: Report
    out_dir: Path
    files: tuple[Path, ...]
    regressions: tuple[str, ...] = ()  # ids that passed in the --baseline report, not now
    gate: bool = False  # --fail-on-regression: regressions decide, not the verdict
    stopped: str = ""  # why nothing could be tested (the probe's reason), else ''

    @property
    def exit_code(self) -> ExitCode:
        """130 interrupted, 3 incomplete; else 1 not certified, or with the gate: regressed."""
        if self.report.interrupted:
            return ExitCode.INTERRUPTED
        verdict = self.report.verdict
        # Fail closed even under the gate: a run that could not test proves no absence of
        # regressions. Otherwise the gate lets CI pass a not-yet-certified system that holds.
        if not self.gate or verdict is Verdict.INCOMPLETE:
            return exit_code_for(verdict)
        return ExitCode.FAILED if self.regressions else ExitCode.OK


def _result(
    p: PlannedRequirement,
    status: Status,
    message: str,
    evidence: Sequence[str] = (),
    tests: Sequence[str] = (),
) -> RequirementResult:
    r = p.requirement
    return RequirementResult(
        id=r.id, title=r.title, level=r.level, cls=r.cls, clause=r.clause, status=status,
        message=message, evidence=tuple(dict.fromkeys(evidence)), tests=tuple(tests),
        applicable=p.applicable,
    )  # fmt: skip


def _decide(p: PlannedRequirement, outcomes: list[TestOutcome], not_run: str) -> RequirementResult:
    """Any failed test fails it; else anything not passed is an error; all passed passes."""
    tests = [o.nodeid for o in outcomes]
    if not outcomes:
        return _result(p, Status.ERROR, not_run)
    for status in (Status.FAILED, Status.ERROR, Status.SKIPPED):
        bad = [o for o in outcomes if o.status is status]
        if bad:
            final = Status.FAILED if status is Status.FAILED else Status.ERROR
            evidence = [e for o in bad for e in o.evidence]
            return _result(p, final, bad[0].message, evidence, tests)
    return _result(p, Status.PASSED, "", [e for o in outcomes for e in o.evidence], tests)


def requirement_results(
    plan: Plan,
    outcomes: Sequence[TestOutcome],
    *,
    not_run: str = "not executed",
    error_all: str = "",
    evidence: Sequence[str] = (),
) -> tuple[RequirementResult, ...]:
    """One result per requirement of the plan; ERROR_ALL marks every run requirement error."""
    out = []
    for p in plan.items:
        if not p.runs:
            out.append(_result(p, Status.SKIPPED, p.skip_reason))
        elif not p.tests and not p.property_based:
            out.append(_result(p, Status.ERROR, NO_TEST))
        elif error_all:
            out.append(_result(p, Status.ERROR, error_all, evidence))
        else:
            mine = [o for o in outcomes if p.requirement.id in o.reqs]
            out.append(_decide(p, mine, not_run))
    return tuple(out)
