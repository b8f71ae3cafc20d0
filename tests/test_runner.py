"""The engine end to end on a miniature bundle and suite against the real reference server."""

from __future__ import annotations

import json
import socket
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from mini_run import make_bundle, make_suite

from conform.bundle import load_bundle
from conform.errors import ExitCode, UsageError
from conform.evidence import read_evidence
from conform.reference import ReferenceServer
from conform.results import Status, Verdict
from conform.runner import NullProgress, RunConfig, RunOutcome, make_plan, run_certification
from conform.runner.output import check_report
from conform.suite.coverage import suite_coverage, suite_tests


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(bundle folder, suite folder) of the miniature certification."""
    root = tmp_path_factory.mktemp("mini")
    return make_bundle(root), make_suite(root)


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(port=0) as srv:
        yield srv


def certify(mini: tuple[Path, Path], out: Path, **options: object) -> RunOutcome:
    bundle, suite = mini
    config = RunConfig(bundle=str(bundle), suite_dir=suite, out=out, seed=7, **options)  # type: ignore[arg-type]
    return run_certification(config, NullProgress())


def statuses(outcome: RunOutcome) -> dict[str, tuple[Status, str]]:
    return {r.id: (r.status, r.message) for r in outcome.report.requirements}


def test_coverage_reads_req_marks(mini: tuple[Path, Path]) -> None:
    coverage = suite_coverage(mini[1])
    assert coverage["CORE-002"] == ["test_mini.py::test_expects_the_impossible"]
    assert coverage["CORE-006"] == coverage["CORE-002"]
    assert "CORE-003" not in coverage
    read_only = {t.nodeid: t.read_only for t in suite_tests(mini[1])}
    assert read_only["test_mini.py::test_creates"] is False
    assert read_only["test_mini.py::test_query_answers"] is True


def test_plan_rejects_unknown_only_and_class(mini: tuple[Path, Path]) -> None:
    bundle = load_bundle(mini[0])
    with pytest.raises(UsageError, match="CORE-999"):
        make_plan(bundle, suite_tests(mini[1]), only=["CORE-999"])
    with pytest.raises(UsageError, match=r"optional classes of mini-city@1\.0: batch"):
        certify(mini, Path("unused"), classes=("bogus",), url="http://127.0.0.1:9")


def test_reference_run_decides_each_requirement(mini: tuple[Path, Path], tmp_path: Path) -> None:
    outcome = certify(mini, tmp_path / "out")
    got = statuses(outcome)
    assert got["CORE-001"] == (Status.PASSED, "")
    assert got["CORE-002"][0] is Status.FAILED
    assert got["CORE-002"][1].startswith("expected status 200, got 404")
    assert got["CORE-003"] == (Status.ERROR, "no test covers this requirement")
    assert got["CORE-004"] == (Status.ERROR, "RuntimeError: the test itself broke")
    assert got["CORE-005"] == (Status.PASSED, "")
    assert got["BAT-001"] == (Status.PASSED, "")  # the reference run declares every class
    assert outcome.report.verdict is Verdict.NOT_CERTIFIED
    assert outcome.exit_code is ExitCode.FAILED
    assert outcome.report.leftovers == ()  # the created entity was deleted
    assert any("SHOULD CORE-006 failed" in w for w in outcome.report.warnings)

    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    assert check_report(doc) == []
    assert doc["verdict"] == "NOT_CERTIFIED"
    # every evidence id a result names is an exchange of the evidence file, made by its test
    exchanges = {x["id"]: x for x in read_evidence(tmp_path / "out" / "evidence.jsonl")}
    failed = next(r for r in doc["requirements"] if r["id"] == "CORE-002")
    assert failed["evidence"] and all(
        exchanges[e]["test"] == "test_mini.py::test_expects_the_impossible"
        for e in failed["evidence"]
    )
    assert failed["message"].endswith(f"[{failed['evidence'][0]}]")


def test_undeclared_optional_class_is_skipped(
    mini: tuple[Path, Path], server: ReferenceServer, tmp_path: Path
) -> None:
    got = {r.id: r for r in certify(mini, tmp_path, url=server.url).report.requirements}
    assert got["BAT-001"].status is Status.SKIPPED
    assert got["BAT-001"].message == "optional class batch not declared"
    assert got["BAT-001"].applicable is False
    declared = certify(mini, tmp_path, url=server.url, classes=("batch",))
    assert statuses(declared)["BAT-001"] == (Status.PASSED, "")


def test_read_only_skips_writes_and_is_never_certified(
    mini: tuple[Path, Path], server: ReferenceServer, tmp_path: Path
) -> None:
    outcome = certify(mini, tmp_path, url=server.url, read_only=True, only=("CORE-001", "CORE-005"))
    got = statuses(outcome)
    assert got["CORE-001"] == (Status.PASSED, "")
    assert got["CORE-005"] == (Status.SKIPPED, "needs writes; --read-only")
    assert got["CORE-002"] == (Status.SKIPPED, "not selected by --only")
    assert outcome.report.verdict is Verdict.INCOMPLETE
    assert outcome.exit_code is ExitCode.INCOMPLETE
    sent = read_evidence(tmp_path / "evidence.jsonl")
    assert sent and {x["method"] for x in sent} == {"GET"}


def test_only_runs_just_that_requirement(
    mini: tuple[Path, Path], server: ReferenceServer, tmp_path: Path
) -> None:
    outcome = certify(mini, tmp_path, url=server.url, only=("CORE-005",))
    got = statuses(outcome)
    assert got["CORE-005"] == (Status.PASSED, "")
    assert {s for i, (s, _) in got.items() if i != "CORE-005"} == {Status.SKIPPED}
    tests = {x["test"] for x in read_evidence(tmp_path / "evidence.jsonl")}
    assert tests - {"probe", "cleanup"} == {"test_mini.py::test_creates"}


def test_host_module_named_like_a_suite_module_does_not_shadow_it(
    mini: tuple[Path, Path],
    server: ReferenceServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a vendor's own pytest session (or ours) may already hold a module called test_mini
    impostor = types.ModuleType("test_mini")
    monkeypatch.setitem(sys.modules, "test_mini", impostor)
    outcome = certify(mini, tmp_path, url=server.url, only=("CORE-005",))
    assert statuses(outcome)["CORE-005"] == (Status.PASSED, "")
    assert sys.modules["test_mini"] is impostor


def test_unreachable_endpoint_is_incomplete(mini: tuple[Path, Path], tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = certify(mini, tmp_path, url=f"http://127.0.0.1:{port}")
    assert outcome.report.verdict is Verdict.INCOMPLETE
    assert outcome.exit_code is ExitCode.INCOMPLETE
    musts = [r for r in outcome.report.requirements if r.level.value == "MUST" and r.applicable]
    assert {r.status for r in musts} == {Status.ERROR}
    assert all(r.message.startswith("endpoint unreachable") for r in musts if r.id != "CORE-003")
    assert check_report(json.loads((tmp_path / "report.json").read_text())) == []


@pytest.mark.slow
def test_reference_server_certifies(tmp_path: Path) -> None:
    """The integration test: the packaged suite finds no fault in the reference implementation."""
    outcome = run_certification(RunConfig(out=tmp_path, seed=1), NullProgress())
    report = outcome.report
    problems = [f"{r.id} {r.status.value}: {r.message}" for r in report.problems()]
    assert report.verdict is Verdict.CERTIFIED, problems[:10]
    assert not [r for r in report.requirements if r.status is Status.FAILED]
    optional = {c.id for c in load_bundle("city-os").optional_classes}
    assert set(report.target.declared_classes) == optional
    assert report.leftovers == ()
    assert outcome.exit_code is ExitCode.OK


def test_broken_suite_module_errors_its_requirements_only(tmp_path: Path) -> None:
    bundle, suite = make_bundle(tmp_path), make_suite(tmp_path)
    (suite / "test_broken.py").write_text(
        'import pytest\nimport no_such_helper\n\n@pytest.mark.req("CORE-003")\ndef test_x(): pass\n'
    )
    config = RunConfig(bundle=str(bundle), suite_dir=suite, out=tmp_path / "out", seed=1)
    outcome = run_certification(config, NullProgress())
    got = statuses(outcome)
    assert got["CORE-003"][0] is Status.ERROR
    assert "suite collection error: test_broken.py" in got["CORE-003"][1]
    assert "No module named 'no_such_helper'" in got["CORE-003"][1]
    assert got["CORE-001"] == (Status.PASSED, "")  # the healthy module still ran
    assert outcome.report.interrupted is False
