"""Outcomes as data: requirement statuses, levels, and the fail-closed verdict."""

from __future__ import annotations

import re
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
    BLOCKED = "blocked"  # its precondition is another requirement that failed in this run
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
    blocked_by: str = ""  # BLOCKED: the failed requirement whose failure hides this one
    security: bool = False  # the bundle marks it a security requirement: its failure is a finding
    waiver: dict[str, str] | None = field(default=None, compare=False)


def derive_verdict(results: Iterable[RequirementResult], *, interrupted: bool = False) -> Verdict:
    """Fail closed: only MUST requirements that apply decide; skipped never counts as passed.

    A requirement applies when its class is mandatory or declared by the target. Any such MUST
    that failed gives NOT_CERTIFIED; otherwise any that errored, was blocked (its blocker was
    waived or only a SHOULD), was skipped (read-only, --only) or was not executed gives
    INCOMPLETE; otherwise waived ones give CONDITIONAL.
    """
    deciding = [r for r in results if r.applicable and r.level is Level.MUST]
    statuses = {r.status for r in deciding}
    if Status.FAILED in statuses:
        return Verdict.NOT_CERTIFIED
    if interrupted or not deciding or statuses & {Status.ERROR, Status.BLOCKED, Status.SKIPPED}:
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


@dataclass(frozen=True)
class RootCause:
    """One thing to fix: the failed requirement (or shared failure) and what it explains."""

    requirement: str  # the failed requirement that stands for the cause
    message: str
    explains: tuple[str, ...]  # every failed or blocked requirement it accounts for, itself first


# exchange references and the run's generated ids differ between requirements failing alike
_EXCHANGE_REF = re.compile(r"\s*\[x\d+\]")
_RUN_ID = re.compile(r"conform-[0-9a-f]+-\d+")
# the excerpt of an answer after its shape is named, or quoted after "(body: ...)"
_EXCERPT = re.compile(
    r"(got (?:an array of \d+|an object|a string|a number|a boolean|null)): .*$|\s*\(body: .*\)"
)


def _pattern(message: str) -> str:
    """A failure message without what differs between answers of one kind (ids, excerpts)."""
    text = _EXCHANGE_REF.sub("", message)
    return _RUN_ID.sub("<id>", _EXCERPT.sub(lambda m: m.group(1) or "", text)).strip()


def blocker_of(
    r: RequirementResult, by_id: dict[str, RequirementResult]
) -> RequirementResult | None:
    """The failed requirement a chain of blocked ones from R ends in (None: none explains R)."""
    seen = {r.id}
    current = by_id.get(r.blocked_by)
    while current is not None and current.status is Status.BLOCKED and current.id not in seen:
        seen.add(current.id)
        current = by_id.get(current.blocked_by)
    return current if current is not None and current.status is Status.FAILED else None


def root_causes(results: Iterable[RequirementResult]) -> tuple[RootCause, ...]:
    """Failures grouped by what explains them: a blocker, or the identical failure observed.

    A blocked requirement is explained by the failed requirement its chain ends in; failed
    requirements whose messages are the same observation (the same expectation against the
    same kind of answer, exchange references and run ids aside) are one cause. Most explaining
    first, MUSTs before SHOULDs.
    """
    items = list(results)
    by_id = {r.id: r for r in items}
    blocks: dict[str, list[str]] = {}  # failed requirement -> the blocked ones it explains
    for r in items:
        if r.status is not Status.BLOCKED:
            continue
        root = blocker_of(r, by_id)
        if root is not None:
            blocks.setdefault(root.id, []).append(r.id)
    groups: dict[str, list[str]] = {}
    for r in items:
        if r.status is Status.FAILED:
            groups.setdefault(_pattern(r.message) or r.id, []).append(r.id)
    lead: dict[str, RequirementResult] = {}
    for key, ids in groups.items():
        # the requirement others were blocked by stands for the group: it is the one to fix
        first = max(ids, key=lambda i: (len(blocks.get(i, ())), -ids.index(i)))
        lead[key] = by_id[first]
        ids.sort(key=lambda i: i != first)
        ids += [b for i in list(ids) for b in blocks.get(i, ())]
    causes = [RootCause(lead[key].id, lead[key].message, tuple(ids)) for key, ids in groups.items()]
    return tuple(
        sorted(
            causes,
            key=lambda c: (
                -len(c.explains),
                by_id[c.requirement].level is not Level.MUST,
                c.requirement,
            ),
        )
    )
