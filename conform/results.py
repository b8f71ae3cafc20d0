"""Outcomes as data: requirement statuses, levels, and the fail-closed verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from conform.errors import ExitCode


class Level(StrEnum):
    """Normative level of a requirement (RFC 2119 keywords)."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class Status(StrEnum):
    """What happened to one requirement in one run."""

    PASSED = "passed"
    FAILED = "failed"  # the target broke the rule
    ERROR = "error"  # we could not test it (unreachable, timeout, harness fault, not executed)
    SKIPPED = "skipped"  # not applicable (undeclared optional class, read-only, --only)
    WAIVED = "waived"  # failed, but covered by an approved, unexpired waiver


class Verdict(StrEnum):
    """The certification outcome; derived from results, never stored beside them."""

    CERTIFIED = "CERTIFIED"
    CONDITIONAL = "CONDITIONAL"
    NOT_CERTIFIED = "NOT_CERTIFIED"
    INCOMPLETE = "INCOMPLETE"


@dataclass(frozen=True)
class RequirementResult:
    """The outcome of one requirement, with the evidence exchanges that decided it."""

    id: str
    title: str
    level: Level
    cls: str
    clause: str
    status: Status
    message: str = ""
    evidence: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    applicable: bool = True  # False: optional class not declared by the target
    waiver: dict[str, str] | None = field(default=None, compare=False)


def derive_verdict(results: Iterable[RequirementResult], *, interrupted: bool = False) -> Verdict:
    """Fail closed: only MUST requirements that apply decide; skipped never counts as passed.

    A requirement applies when its class is mandatory or declared by the target. Any such MUST
    that failed gives NOT_CERTIFIED; otherwise any that errored, was skipped (read-only, --only)
    or was not executed gives INCOMPLETE; otherwise waived ones give CONDITIONAL.
    """
    deciding = [r for r in results if r.applicable and r.level is Level.MUST]
    statuses = {r.status for r in deciding}
    if Status.FAILED in statuses:
        return Verdict.NOT_CERTIFIED
    if interrupted or not deciding or statuses & {Status.ERROR, Status.SKIPPED}:
        return Verdict.INCOMPLETE
    if Status.WAIVED in statuses:
        return Verdict.CONDITIONAL
    return Verdict.CERTIFIED


_EXIT = {
    Verdict.CERTIFIED: ExitCode.OK,
    Verdict.CONDITIONAL: ExitCode.OK,
    Verdict.NOT_CERTIFIED: ExitCode.FAILED,
    Verdict.INCOMPLETE: ExitCode.INCOMPLETE,
}


def exit_code_for(verdict: Verdict) -> ExitCode:
    """Exit code of a verdict: 0 certified or conditional, 1 not certified, 3 incomplete."""
    return _EXIT[verdict]
