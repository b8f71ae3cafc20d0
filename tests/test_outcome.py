"""The results stage: `build_report` on its own (plan and outcomes, no server, no clock), then
blocked, root causes and parametrized coverage end to end on a miniature suite and bundle.

A test whose precondition is another requirement raises `Precondition`: the requirement is
`blocked by` it when that one failed in the run, and `error` when nothing explains it.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from mini_run import make_bundle, make_suite

from conform.bundle import load_bundle
from conform.diff import diff_reports, format_diff
from conform.report import BundleRef, Report, TargetInfo, load_report
from conform.reporters import ReportFormat, render
from conform.reporters.terminal import report_lines
from conform.results import Status, Verdict
from conform.runner import NullProgress, RunConfig, RunOutcome, run_certification
from conform.runner.outcome import TestOutcome, build_report
from conform.runner.output import check_report
from conform.runner.plan import Plan, make_plan
from conform.suite.coverage import SuiteTest, suite_tests
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


def test_blocked_resolves_in_build_report(plan: Plan) -> None:
    """Blocked by a requirement that failed here: blocked, with its message; else error."""
    outcomes = [
        TestOutcome("t.py::one", ("CORE-001",), Status.FAILED, "expected 200, got 500"),
        TestOutcome("t.py::two", ("CORE-002",), Status.BLOCKED, "setup", blocked_by="CORE-001"),
        TestOutcome("t.py::three", ("CORE-003",), Status.BLOCKED, "setup", blocked_by="CORE-002"),
    ]
    got = statuses(report(plan, outcomes))
    assert got["CORE-002"] == (Status.BLOCKED, "blocked by CORE-001: expected 200, got 500")
    assert got["CORE-003"] == (
        Status.BLOCKED,
        "blocked by CORE-002: blocked by CORE-001: expected 200, got 500",
    )
    unexplained = [replace(outcomes[0], status=Status.PASSED, message=""), outcomes[1]]
    r = report(plan, unexplained)
    assert statuses(r)["CORE-002"][0] is Status.ERROR
    assert r.verdict is Verdict.INCOMPLETE


SUITE = """\
from __future__ import annotations

import pytest

from conform.suite import Precondition, expect_status, requires

READ = pytest.mark.read_only


@pytest.mark.req("CORE-002")
@pytest.mark.read_only
def test_expects_the_impossible(client, ns):
    expect_status(client.get(f"/entities/{ns.entity_id('Thing')}"), 200)


@pytest.mark.req("CORE-005")
def test_needs_what_core_002_failed_at(client, ns):
    r = client.get(f"/entities/{ns.entity_id('Thing')}")
    with requires("CORE-002"):
        expect_status(r, 200)


@pytest.mark.req("CORE-003")
def test_needs_its_own_step():
    raise Precondition("CORE-003", "the step it judges did not work")


@pytest.mark.req("CORE-004")
def test_needs_what_passed(client):
    raise Precondition("CORE-001", "the step did not work after all")


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("Thing", marks=pytest.mark.req("CORE-001"), id="thing"),
        pytest.param("Other", marks=[pytest.mark.req("BAT-001"), READ], id="other"),
    ],
)
def test_query_answers(client, kind):
    expect_status(client.get("/entities", params={"type": kind}), 200)
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunOutcome, Path]:
    root = tmp_path_factory.mktemp("blocked")
    bundle, suite = make_bundle(root), make_suite(root, SUITE)
    out = root / "out"
    config = RunConfig(bundle=str(bundle), suite_dir=suite, out=out, seed=7)
    return run_certification(config, NullProgress()), out


def test_parametrize_cases_carry_their_own_requirements(tmp_path: Path) -> None:
    tests = {t.nodeid: t for t in suite_tests(make_suite(tmp_path, SUITE))}
    thing, other = (
        tests["test_mini.py::test_query_answers[thing]"],
        tests["test_mini.py::test_query_answers[other]"],
    )
    assert (thing.reqs, thing.read_only) == (("CORE-001",), False)
    assert (other.reqs, other.read_only) == (("BAT-001",), True)  # through a module-level name


def test_precondition_blocks_when_its_requirement_failed(run: tuple[RunOutcome, Path]) -> None:
    outcome, out = run
    got = {r.id: r for r in outcome.report.requirements}
    assert got["CORE-002"].status is Status.FAILED
    blocked = got["CORE-005"]
    assert (blocked.status, blocked.blocked_by) == (Status.BLOCKED, "CORE-002")
    assert blocked.message == f"blocked by CORE-002: {got['CORE-002'].message}"
    # nothing failed that explains it: could not test, fail closed
    assert got["CORE-004"].status is Status.ERROR
    assert got["CORE-004"].message.startswith("precondition CORE-001 not met: the step did not")
    assert (got["CORE-001"].status, got["BAT-001"].status) == (Status.PASSED, Status.PASSED)
    # a precondition on the test's own requirement is simply its failure
    own = got["CORE-003"]
    assert (own.status, own.message) == (Status.FAILED, "the step it judges did not work")
    assert outcome.report.verdict is Verdict.NOT_CERTIFIED  # the blocker's own failure decides
    doc = json.loads((out / "report.json").read_text())
    assert check_report(doc) == []
    assert doc["summary"]["blocked"] == 1
    assert doc["root_causes"][0] == {
        "requirement": "CORE-002",
        "message": got["CORE-002"].message,
        "explains": ["CORE-002", "CORE-005"],
    }


def test_every_format_knows_blocked(run: tuple[RunOutcome, Path]) -> None:
    _, out = run
    report = load_report(out)
    assert [r.blocked_by for r in report.requirements if r.id == "CORE-005"] == ["CORE-002"]
    cases = {c.get("name", "")[:8]: c for c in ET.parse(out / "junit.xml").iter("testcase")}
    skipped = cases["CORE-005"].find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("blocked by CORE-002")
    md = (out / "summary.md").read_text()
    assert md.index("### 2 root causes") < md.index("| core-entities")
    assert "**CORE-002**" in md and "CORE-005" in md.split("### 2 root causes")[1].split("###")[0]
    html = (out / "report.html").read_text()
    assert html.index('id="root-causes"') < html.index('id="matrix"')
    assert 'class="badge s-blocked"' in html
    earl = json.loads(render(report, ReportFormat.EARL))
    outcomes = {
        n["earl:test"]["@id"].rsplit(":", 1)[-1]: n["earl:result"]["earl:outcome"]["@id"]
        for n in earl["@graph"]
        if n.get("@type") == "earl:Assertion"
    }
    assert outcomes["CORE-005"] == "earl:cantTell"
    lines = report_lines(report)
    causes = lines.index("2 root causes:")
    assert lines[causes + 1].startswith("  CORE-002 [MUST] expected status 200, got 404")
    assert lines[causes + 2] == "      Explains: CORE-005"
    assert any(line.startswith("error CORE-004: precondition CORE-001") for line in lines)


def test_diff_names_newly_blocked(run: tuple[RunOutcome, Path]) -> None:
    outcome, _ = run
    passed = tuple(
        replace(r, status=Status.PASSED, message="", blocked_by="") if r.id == "CORE-005" else r
        for r in outcome.report.requirements
    )
    old = replace(outcome.report, requirements=passed)
    diff = diff_reports(old, outcome.report)
    assert diff.newly_blocked == ("CORE-005",)
    assert "newly blocked (1): CORE-005" in format_diff(diff)
