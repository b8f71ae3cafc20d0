"""The results stage on its own: `build_report` from plan and outcomes, no server, no clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conform.bundle import load_bundle
from conform.report import BundleRef, Report, TargetInfo
from conform.results import Status, Verdict
from conform.runner.outcome import TestOutcome, build_report
from conform.runner.plan import Plan, make_plan
from conform.suite.coverage import SuiteTest
from conform.waivers import Waiver

MINIMAL = Path(__file__).parent / "data" / "bundles" / "good" / "minimal"
TESTS = [
    SuiteTest("t.py::one", ("CORE-001",), True),
    SuiteTest("t.py::two", ("CORE-002",), False),
    SuiteTest("t.py::three", ("CORE-003",), True),
]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return make_plan(load_bundle(MINIMAL), TESTS)  # batch not declared: BAT-001 skipped


def report(plan: Plan, outcomes: list[TestOutcome], **extra: Any) -> Report:
    return build_report(
        plan, outcomes, bundle=BundleRef("mini-city", "1.0", "ab" * 32),
        target=TargetInfo("t", "http://127.0.0.1:9", "", "", (), ()), run_id="r1", seed=5,
        started_at="2026-11-28T10:00:00Z", finished_at="2026-11-28T10:01:00Z",
        harness_version="0.0.0", options={"read_only": False}, **extra,
    )  # fmt: skip


def statuses(r: Report) -> dict[str, tuple[Status, str]]:
    return {x.id: (x.status, x.message) for x in r.requirements}


PASS = [
    TestOutcome("t.py::one", ("CORE-001",), Status.PASSED, "", ("x000001",)),
    TestOutcome("t.py::two", ("CORE-002",), Status.PASSED, "", ("x000002",)),
    TestOutcome("t.py::three", ("CORE-003",), Status.PASSED),
]


def test_all_passed_is_certified_and_the_same_inputs_give_the_same_report(plan: Plan) -> None:
    first = report(plan, PASS)
    assert first == report(plan, PASS)
    assert first.verdict is Verdict.CERTIFIED
    assert statuses(first)["BAT-001"] == (Status.SKIPPED, "optional class batch not declared")
    assert first.requirements[0].evidence == ("x000001",) and first.warnings == ()


def test_failures_soft_failures_and_missing_outcomes(plan: Plan) -> None:
    outcomes = [
        replace(PASS[0], status=Status.FAILED, message="expected 201, got 500 token=s3cret"),
        PASS[1],
        replace(PASS[2], status=Status.FAILED, message="no problem body"),
    ]
    got = report(plan, outcomes, redact=lambda s: s.replace("s3cret", "***"))
    assert statuses(got)["CORE-001"] == (Status.FAILED, "expected 201, got 500 token=***")
    assert got.verdict is Verdict.NOT_CERTIFIED
    assert got.warnings == ("SHOULD CORE-003 failed: no problem body",)
    not_run = report(plan, PASS[:1], collect_errors=["t.py: SyntaxError"])
    assert statuses(not_run)["CORE-002"] == (
        Status.ERROR, "not executed: suite collection error: t.py: SyntaxError",
    )  # fmt: skip
    assert "suite collection error: t.py: SyntaxError" in not_run.warnings
    cut = report(plan, PASS[:1], interrupted=True)
    assert cut.interrupted and statuses(cut)["CORE-002"][1] == "not executed: run interrupted"


def test_an_unreachable_endpoint_makes_every_run_requirement_an_error(plan: Plan) -> None:
    got = report(plan, [], error_all="endpoint unreachable: refused", probe_evidence=["x000001"])
    run = [r for r in got.requirements if r.status is not Status.SKIPPED]
    assert {(r.status, r.message, r.evidence) for r in run} == {
        (Status.ERROR, "endpoint unreachable: refused", ("x000001",))
    }
    assert got.verdict is Verdict.INCOMPLETE


def test_waivers_and_the_baseline_comparison(plan: Plan) -> None:
    waiver = Waiver("CORE-001", "vendor fix due", "QA", "T-1", dt.date(2099, 1, 1))
    failed = [replace(PASS[0], status=Status.FAILED, message="boom"), *PASS[1:]]
    got = report(plan, failed, waivers=[waiver], waiver_warnings=["waiver X ignored: expired"])
    assert statuses(got)["CORE-001"][0] is Status.WAIVED
    assert got.waivers == (waiver.to_dict(),) and got.warnings[0] == "waiver X ignored: expired"
    baseline = report(plan, PASS)
    regressed = report(plan, [PASS[0], replace(PASS[1], status=Status.FAILED), PASS[2]],
                       baseline=baseline)  # fmt: skip
    assert regressed.warnings[-1].startswith("1 regression(s) since baseline run r1")
    assert "CORE-002 (failed)" in regressed.warnings[-1]
