"""The terminal summary: one screen whatever failed, root causes first, each warning once."""

from __future__ import annotations

from report_samples import make_report, result

from conform.reporters.terminal import closing_line, report_lines
from conform.results import Level, Status


def _many_failures() -> tuple:
    """40 distinct failures, 30 requirements blocked by CORE-001, a SHOULD failure."""
    failed = tuple(
        result(f"QRY-{n:03d}", Status.FAILED, message=f"expected {n} entities, got none [x00001]")
        for n in range(1, 41)
    )
    root = result("CORE-001", Status.FAILED, message="expected status 201, got 400 [x000002]")
    blocked = tuple(
        result(
            f"BAT-{n:03d}", Status.BLOCKED, message="blocked by CORE-001: ...",
            blocked_by="CORE-001",
        )
        for n in range(1, 31)
    )  # fmt: skip
    soft = result("CORE-030", Status.FAILED, Level.SHOULD, message="expected a non-empty title")
    return (root, *failed, *blocked, soft)


def test_summary_fits_a_screen_and_names_leftovers() -> None:
    report = make_report(
        results=_many_failures(),
        leftovers=("urn:ngsi-ld:T:conform-1 (DELETE answered 500)",),
        warnings=("SHOULD CORE-030 failed: expected a non-empty title",) * 2,
    )
    lines = report_lines(report)
    causes = lines.index("42 root causes:")
    assert lines[causes + 1].startswith("  CORE-001 [MUST] expected status 201, got 400")
    assert lines[causes + 2] == (
        "      Explains: BAT-001, BAT-002, BAT-003, BAT-004, BAT-005, BAT-006, BAT-007, "
        "BAT-008 (+22)"
    )
    assert "  32 more in report.html" in lines  # ten causes shown, at most two lines each
    assert len(lines) <= 40, "\n".join(lines)
    assert "  urn:ngsi-ld:T:conform-1 (DELETE answered 500)" in lines
    warnings = [line for line in lines if line.startswith("Warnings:")]
    assert warnings == ["Warnings: SHOULD CORE-030 failed: expected a non-empty title"]


def test_errors_are_grouped_by_reason_and_capped() -> None:
    errors = tuple(
        result(f"CORE-{n:03d}", Status.ERROR, message=f"reason {n % 7}") for n in range(1, 31)
    )
    lines = [line for line in report_lines(make_report(results=errors)) if "reason" in line]
    assert lines[0] == "error CORE-001, CORE-008, CORE-015, CORE-022, CORE-029: reason 1"
    assert len(lines) == 5


def test_verbose_lists_every_problem() -> None:
    lines = report_lines(make_report(results=_many_failures()), verbose=True)
    assert sum(line.startswith(("FAILED ", "BLOCKED ")) for line in lines) == 72


def test_closing_line_is_pytest_style() -> None:
    report = make_report(results=_many_failures())
    assert closing_line(report, 41.23, "reports/x/report.html") == (  # type: ignore[arg-type]
        "0 passed, 42 failed, 30 blocked in 41.2s — report: reports/x/report.html"
    )
