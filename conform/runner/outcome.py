"""The results stage: test outcomes to requirement results (fail closed), waivers, baseline
comparison, the assembled `Report` (`build_report`, pure), and what a run hands back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conform.diff import regressions
from conform.errors import ExitCode
from conform.report import BundleRef, Report, TargetInfo
from conform.results import Level, RequirementResult, Status, Verdict, blocker_of, exit_code_for
from conform.runner.plan import NO_TEST, Plan, PlannedRequirement
from conform.waivers import Waiver, apply_waivers


@dataclass(frozen=True)
class TestOutcome:
    """How one suite test ended, with the evidence exchanges it made."""

    __test__ = False  # not a pytest test class, whatever its name says
    nodeid: str
    reqs: tuple[str, ...]
    status: Status  # passed, failed (assertion), blocked (precondition), error, skipped
    message: str = ""
    evidence: tuple[str, ...] = ()
    blocked_by: str = ""  # BLOCKED: the requirement whose behaviour the test needed


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
        applicable=p.applicable, security=r.security,
    )  # fmt: skip


def _decide(p: PlannedRequirement, outcomes: list[TestOutcome], not_run: str) -> RequirementResult:
    """Any failed test fails it; else any error or skip errs; else any blocked test blocks it."""
    tests = [o.nodeid for o in outcomes]
    if not outcomes:
        return _result(p, Status.ERROR, not_run)
    for status in (Status.FAILED, Status.ERROR, Status.SKIPPED, Status.BLOCKED):
        bad = [o for o in outcomes if o.status is status]
        if bad:
            final = status if status in (Status.FAILED, Status.BLOCKED) else Status.ERROR
            evidence = [e for o in bad for e in o.evidence]
            result = _result(p, final, bad[0].message, evidence, tests)
            return replace(result, blocked_by=bad[0].blocked_by)
    return _result(p, Status.PASSED, "", [e for o in outcomes for e in o.evidence], tests)


def resolve_blocked(results: Sequence[RequirementResult]) -> tuple[RequirementResult, ...]:
    """Blocked stays blocked only when its precondition failed in this run; else error.

    The message names the blocker and carries the blocker's own message, so the reader sees
    the one failure to fix. A precondition that no failed requirement explains is a fault the
    run cannot place: `error`, fail closed.
    """
    by_id = {r.id: r for r in results}
    out = []
    for r in results:
        if r.status is not Status.BLOCKED:
            out.append(r)
            continue
        root = blocker_of(r, by_id)
        if root is None:
            out.append(replace(r, status=Status.ERROR, blocked_by=""))
        else:
            out.append(replace(r, message=f"blocked by {r.blocked_by}: {_own(by_id, r)}"))
    return tuple(out)


def _own(by_id: dict[str, RequirementResult], r: RequirementResult) -> str:
    """The message of R's direct blocker (its own 'blocked by' text when it is blocked too)."""
    blocker = by_id[r.blocked_by]
    if blocker.status is Status.BLOCKED:
        return f"blocked by {blocker.blocked_by}: {_own(by_id, blocker)}"
    return blocker.message


def requirement_results(
    plan: Plan,
    outcomes: Sequence[TestOutcome],
    *,
    not_run: str = "not executed",
    error_all: str = "",
    evidence: Sequence[str] = (),
) -> tuple[RequirementResult, ...]:
    """One result per requirement of the plan; ERROR_ALL marks every run requirement error
    that has no outcome of its own (the run stopped before its tests)."""
    out = []
    for p in plan.items:
        if not p.runs:
            out.append(_result(p, Status.SKIPPED, p.skip_reason))
        elif not p.tests and not p.property_based:
            out.append(_result(p, Status.ERROR, NO_TEST))
        elif error_all and not (mine := [o for o in outcomes if p.requirement.id in o.reqs]):
            out.append(_result(p, Status.ERROR, error_all, evidence))
        else:
            mine = [o for o in outcomes if p.requirement.id in o.reqs]
            out.append(_decide(p, mine, not_run))
    return resolve_blocked(out)


def _warnings(results: Sequence[RequirementResult], collect_errors: Sequence[str]) -> list[str]:
    """SHOULD/MAY failures (never decide the verdict) and suite collection errors."""
    soft = [
        f"{r.level.value} {r.id} failed: {r.message}"
        for r in results
        if r.level is not Level.MUST and r.status is Status.FAILED
    ]
    return soft + [f"suite collection error: {e}" for e in collect_errors]


def compare_baseline(report: Report, baseline: Report | None) -> Report:
    """REPORT with its regressions against BASELINE (passed there, not now) named in a warning."""
    if baseline is None:
        return report
    ids = regressions(baseline, report)
    if not ids:
        return report
    status = {r.id: r.status.value for r in report.requirements}
    listed = ", ".join(f"{i} ({status.get(i, 'missing')})" for i in ids)
    line = (
        f"{len(ids)} regression(s) since baseline run {baseline.run_id} "
        f"({baseline.finished_at}): passed there, not now: {listed}"
    )
    return replace(report, warnings=(*report.warnings, line))


def build_report(
    plan: Plan,
    outcomes: Sequence[TestOutcome],
    *,
    bundle: BundleRef,
    target: TargetInfo,
    run_id: str,
    seed: int,
    started_at: str,
    finished_at: str,
    harness_version: str,
    options: Mapping[str, Any],
    collect_errors: Sequence[str] = (),
    error_all: str = "",
    probe_evidence: Sequence[str] = (),
    interrupted: bool = False,
    leftovers: Sequence[str] = (),
    waivers: Sequence[Waiver] = (),
    waiver_warnings: Sequence[str] = (),
    baseline: Report | None = None,
    lang: str = "en",
    redact: Callable[[str], str] = str,
) -> Report:
    """The run's report from what happened; no I/O, no clock: the same inputs, the same report.

    ERROR_ALL (the endpoint could not be probed) makes every run requirement an error; REDACT
    removes credentials from every message (the last line of defence).
    """
    not_run = "not executed: run interrupted" if interrupted else "not executed"
    if collect_errors and not interrupted:
        not_run = f"not executed: suite collection error: {collect_errors[0]}"
    results = requirement_results(
        plan, outcomes, not_run=not_run, error_all=error_all, evidence=probe_evidence
    )
    results = tuple(replace(r, message=redact(r.message)) for r in results)
    results = apply_waivers(results, waivers)
    report = Report(
        harness_version=harness_version, bundle=bundle, target=target, seed=seed,
        run_id=run_id, started_at=started_at, finished_at=finished_at, requirements=results,
        options=dict(options), leftovers=tuple(leftovers),
        warnings=(*waiver_warnings, *_warnings(results, collect_errors)),
        waivers=tuple(w.to_dict() for w in waivers), interrupted=interrupted, lang=lang,
    )  # fmt: skip
    return compare_baseline(report, baseline)
