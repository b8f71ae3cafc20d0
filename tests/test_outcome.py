"""Blocked, root causes and parametrized coverage, end to end on a miniature suite and bundle.

A test whose precondition is another requirement raises `Precondition`: the requirement is
`blocked by` it when that one failed in the run, and `error` when nothing explains it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from mini_run import make_bundle, make_suite

from conform.diff import diff_reports, format_diff
from conform.report import load_report
from conform.reporters import ReportFormat, render
from conform.reporters.terminal import report_lines
from conform.results import Status, Verdict
from conform.runner import NullProgress, RunConfig, RunOutcome, run_certification
from conform.runner.coverage import suite_tests
from conform.runner.output import check_report

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
