"""Plan a run: which requirements apply to the target, which run, which are skipped and why."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from conform.bundle import Bundle, Requirement
from conform.bundle.model import TARGET_FACTS
from conform.errors import UsageError
from conform.suite.coverage import SuiteTest

NO_TEST = "no test covers this requirement"


@dataclass(frozen=True)
class PlannedRequirement:
    """One requirement of the bundle and what the run will do with it."""

    requirement: Requirement
    applicable: bool  # mandatory class, or an optional class the target declares
    tests: tuple[str, ...]  # node ids of the suite tests that will run for it
    skip_reason: str = ""  # non-empty: not run, reported skipped with this reason
    property_based: bool = False  # the property-based phase verifies it too

    @property
    def runs(self) -> bool:
        """Whether the run executes this requirement's tests."""
        return not self.skip_reason


@dataclass(frozen=True)
class Plan:
    """Per requirement of the bundle (in bundle order): applicability, tests, skip reason."""

    items: tuple[PlannedRequirement, ...]
    declared_classes: tuple[str, ...]
    read_only: bool

    @property
    def to_run(self) -> tuple[PlannedRequirement, ...]:
        """The requirements whose tests run."""
        return tuple(p for p in self.items if p.runs)

    def needing(self, fact: str) -> Plan:
        """The part of the plan whose requirements apply only to targets with FACT."""
        kept = tuple(p for p in self.items if p.runs and p.requirement.applies_when == fact)
        return Plan(kept, self.declared_classes, self.read_only)

    @property
    def test_ids(self) -> frozenset[str]:
        """Node ids of every test the run executes."""
        return frozenset(t for p in self.to_run for t in p.tests)


def make_plan(
    bundle: Bundle,
    tests: Sequence[SuiteTest],
    *,
    declared: Iterable[str] = (),
    only: Sequence[str] = (),
    read_only: bool = False,
    property_based: Collection[str] = (),
    facts: Collection[str] = (),
) -> Plan:
    """Decide per requirement; UsageError for an --only id the bundle does not have.

    PROPERTY_BASED: ids the property-based phase verifies (it sends GETs only under --read-only).
    FACTS: the target's facts (TARGET_FACTS); a requirement that `applies_when` one the target
    lacks does not apply: reported skipped ("not applicable: ..."), it never decides the verdict.
    """
    known = {r.id for r in bundle.requirements}
    for req_id in only:
        if req_id not in known:
            raise UsageError(
                f"--only: {req_id!r} is not a requirement of {bundle.id}@{bundle.version}"
            )
    declared_set = set(declared)
    mandatory = {c.id for c in bundle.classes if c.mandatory}
    for req in bundle.requirements:
        if req.id in only and req.cls not in mandatory | declared_set:
            raise UsageError(
                f"--only: {req.id} is in optional class {req.cls}: add --class {req.cls}"
            )
    items = []
    for req in bundle.requirements:
        covering = [t for t in tests if req.id in t.reqs]
        applicable = req.cls in mandatory or req.cls in declared_set
        reason = ""
        if not applicable:
            reason = f"optional class {req.cls} not declared"
        elif req.applies_when is not None and req.applies_when not in facts:
            applicable, reason = False, f"not applicable: {TARGET_FACTS[req.applies_when]}"
        elif only and req.id not in only:
            reason = "not selected by --only"
        elif read_only and covering and not all(t.read_only for t in covering):
            reason = "needs writes; --read-only"
        nodeids = tuple(t.nodeid for t in covering)
        fuzzed = req.id in property_based
        items.append(PlannedRequirement(req, applicable, nodeids, reason, fuzzed))
    order = [c.id for c in bundle.classes]
    return Plan(tuple(items), tuple(c for c in order if c in declared_set), read_only)
