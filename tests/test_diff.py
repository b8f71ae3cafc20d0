"""Report diff and the regression gate."""

from __future__ import annotations

from dataclasses import replace

from report_samples import make_report, result

from conform.diff import diff_reports, format_diff, regressions
from conform.report import BundleRef
from conform.results import Status, Verdict

OLD = make_report(
    results=(
        result("CORE-001", Status.PASSED),
        result("CORE-002", Status.FAILED),
        result("QRY-001", Status.PASSED),
        result("QRY-002", Status.PASSED),
    )
)
NEW = make_report(
    results=(
        result("CORE-001", Status.PASSED),
        result("CORE-002", Status.PASSED),
        result("QRY-001", Status.FAILED),
        result("BAT-001", Status.PASSED),
    ),
    bundle=BundleRef("city-os", "1.1", "cd" * 32),
)


def test_diff_lists_every_kind_of_change() -> None:
    diff = diff_reports(OLD, NEW)
    assert (diff.old_verdict, diff.new_verdict) == (Verdict.NOT_CERTIFIED, Verdict.NOT_CERTIFIED)
    assert diff.newly_failing == ("QRY-001",)
    assert diff.newly_passing == ("CORE-002",)
    assert [(c.id, c.old, c.new) for c in diff.changed] == [
        ("CORE-002", Status.FAILED, Status.PASSED),
        ("QRY-001", Status.PASSED, Status.FAILED),
    ]
    assert diff.added == ("BAT-001",) and diff.removed == ("QRY-002",)
    assert [name for name, _, _ in diff.bundle_changes] == ["version", "sha256"]
    text = "\n".join(format_diff(diff))
    assert "newly failing (1): QRY-001" in text and "bundle version: 1.0 -> 1.1" in text


def test_identical_reports_have_an_empty_diff() -> None:
    diff = diff_reports(OLD, replace(OLD, run_id="another-run"))
    assert diff.empty and format_diff(diff)[-1] == "no differences in results or bundle"


def test_regressions_are_what_passed_before_and_does_not_pass_now() -> None:
    assert regressions(OLD, NEW) == ["QRY-001", "QRY-002"]  # QRY-002 is gone from NEW
    assert regressions(NEW, NEW) == []


def test_a_system_not_yet_certified_passes_the_gate_while_improving() -> None:
    better = make_report(
        results=(
            result("CORE-001", Status.PASSED),
            result("CORE-002", Status.ERROR),
            result("QRY-001", Status.PASSED),
            result("QRY-002", Status.PASSED),
        )
    )
    assert better.verdict is Verdict.INCOMPLETE
    assert regressions(OLD, better) == []
    assert regressions(better, OLD) == []
