"""Compare two reports: what newly fails or passes, what changed, and the regression gate."""

from __future__ import annotations

from dataclasses import dataclass

from conform.report import Report
from conform.results import Status, Verdict


@dataclass(frozen=True)
class StatusChange:
    """One requirement whose status differs between the two reports."""

    id: str
    old: Status
    new: Status


@dataclass(frozen=True)
class ReportDiff:
    """The differences between an old and a new report of the same system."""

    old_verdict: Verdict
    new_verdict: Verdict
    newly_failing: tuple[str, ...]
    newly_passing: tuple[str, ...]
    newly_blocked: tuple[str, ...]  # not tested now: a requirement they need failed
    changed: tuple[StatusChange, ...]  # every status change, the two lists above included
    added: tuple[str, ...]
    removed: tuple[str, ...]
    bundle_changes: tuple[tuple[str, str, str], ...]  # (field, old, new)

    @property
    def verdict_changed(self) -> bool:
        """Whether the verdict differs."""
        return self.old_verdict is not self.new_verdict

    @property
    def empty(self) -> bool:
        """Whether nothing but timestamps and run ids differ."""
        return not (
            self.verdict_changed
            or self.changed
            or self.added
            or self.removed
            or self.bundle_changes
        )


def _statuses(report: Report) -> dict[str, Status]:
    return {r.id: r.status for r in report.requirements}


def diff_reports(old: Report, new: Report) -> ReportDiff:
    """What changed from old to new, requirement by requirement and in the bundle."""
    before, after = _statuses(old), _statuses(new)
    common = [i for i in after if i in before]
    changed = tuple(StatusChange(i, before[i], after[i]) for i in common if before[i] != after[i])
    bundle_changes = tuple(
        (name, getattr(old.bundle, name), getattr(new.bundle, name))
        for name in ("id", "version", "sha256")
        if getattr(old.bundle, name) != getattr(new.bundle, name)
    )
    return ReportDiff(
        old_verdict=old.verdict,
        new_verdict=new.verdict,
        newly_failing=tuple(c.id for c in changed if c.new is Status.FAILED),
        newly_passing=tuple(c.id for c in changed if c.new is Status.PASSED),
        newly_blocked=tuple(c.id for c in changed if c.new is Status.BLOCKED),
        changed=changed,
        added=tuple(i for i in after if i not in before),
        removed=tuple(i for i in before if i not in after),
        bundle_changes=bundle_changes,
    )


def regressions(old: Report, new: Report) -> list[str]:
    """Requirement ids that passed in old and do not pass in new (missing from new included)."""
    after = _statuses(new)
    return [
        r.id
        for r in old.requirements
        if r.status is Status.PASSED and after.get(r.id) is not Status.PASSED
    ]


def format_diff(diff: ReportDiff) -> list[str]:
    """The diff as plain text lines for the terminal or a CI log."""
    lines = [f"verdict: {diff.old_verdict.value} -> {diff.new_verdict.value}"]
    lines += [f"bundle {name}: {a} -> {b}" for name, a, b in diff.bundle_changes]
    sections = (
        ("newly failing", diff.newly_failing),
        ("newly passing", diff.newly_passing),
        ("newly blocked", diff.newly_blocked),
        ("added", diff.added),
        ("removed", diff.removed),
    )
    for title, ids in sections:
        if ids:
            lines.append(f"{title} ({len(ids)}): {', '.join(ids)}")
    if diff.changed:
        lines.append(f"changed status ({len(diff.changed)}):")
        lines += [f"  {c.id}: {c.old.value} -> {c.new.value}" for c in diff.changed]
    if diff.empty:
        lines.append("no differences in results or bundle")
    return lines
