"""Suite tests run concurrently (--jobs): the same verdict and tests as one at a time, serial
tests alone, and every exchange tagged with the test that sent it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conform.evidence import read_evidence
from conform.results import Verdict
from conform.runner import NullProgress, RunConfig, RunOutcome, run_certification

SERIAL = {"SUB-011", "SUB-012", "DM-003"}  # they list the whole target
TIMED = {"SUB-018", "SUB-022"}  # they wait for notifications that must not come


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, RunOutcome]:
    """The reference server certified with the same seed, one test at a time and four."""
    out = {}
    for jobs in (1, 4):
        folder = tmp_path_factory.mktemp(f"jobs{jobs}")
        config = RunConfig(bundle="city-os@1.0", out=folder, seed=7, jobs=jobs)
        out[jobs] = run_certification(config, NullProgress())
    return out


def _exchanges(outcome: RunOutcome) -> list[dict]:
    return read_evidence(outcome.out_dir / "evidence.jsonl")


def test_same_seed_same_verdict_at_any_jobs(runs: dict[int, RunOutcome]) -> None:
    one, four = (r.report for r in (runs[1], runs[4]))
    assert one.verdict is four.verdict is Verdict.CERTIFIED
    assert [(r.id, r.status, r.tests) for r in one.requirements] == [
        (r.id, r.status, r.tests) for r in four.requirements
    ]
    assert one.options["jobs"] == 1 and four.options["jobs"] == 4
    assert not one.leftovers and not four.leftovers


def test_every_exchange_names_a_test_of_the_run_and_requirements_cite_their_own(
    runs: dict[int, RunOutcome],
) -> None:
    outcome = runs[4]
    exchanges = {x["id"]: x for x in _exchanges(outcome)}
    tests = {t for r in outcome.report.requirements for t in r.tests}
    phases = {"probe", "property-based", "cleanup"}
    assert {x["test"] for x in exchanges.values()} <= tests | phases
    for result in outcome.report.requirements:
        cited = {exchanges[e]["test"] for e in result.evidence}
        assert cited <= set(result.tests) | {"probe", "property-based"}, result.id
    # the same tests sent requests as one at a time (ids and order may differ)
    assert {x["test"] for x in _exchanges(runs[1])} == {x["test"] for x in exchanges.values()}


def _tests_of(outcome: RunOutcome, ids: set[str]) -> set[str]:
    return {t for r in outcome.report.requirements if r.id in ids for t in r.tests}


def test_serial_tests_run_alone_then_timed_ones_then_the_others(
    runs: dict[int, RunOutcome],
) -> None:
    outcome = runs[4]
    serial, timed = _tests_of(outcome, SERIAL), _tests_of(outcome, TIMED)
    assert serial and timed
    order = [x["test"] for x in _exchanges(outcome) if x["test"] != "probe"]
    last_serial = max(i for i, t in enumerate(order) if t in serial)
    assert set(order[: last_serial + 1]) == serial
    # each serial test's exchanges are contiguous: nothing else ran while it did
    runs_of = [t for i, t in enumerate(order[: last_serial + 1]) if i == 0 or order[i - 1] != t]
    assert len(runs_of) == len(serial)
    # then the timed tests, with one another only: no other test, no property-based case
    last_timed = max(i for i, t in enumerate(order) if t in timed)
    assert set(order[last_serial + 1 : last_timed + 1]) == timed


def test_jobs_below_one_is_a_usage_error() -> None:
    from conform.errors import UsageError

    with pytest.raises(UsageError, match=r"^--jobs: must be at least 1, got 0$"):
        RunConfig(jobs=0)
    with pytest.raises(UsageError, match=r"^--max-concurrent: must be at least 1"):
        RunConfig(max_concurrent=0)
    with pytest.raises(UsageError, match=r"^--rate-limit: must be a positive number"):
        RunConfig(rate_limit=0.0)


def test_options_are_recorded(tmp_path: Path) -> None:
    config = RunConfig(out=tmp_path, seed=1, only=("CORE-001",), jobs=2, rate_limit=50.0)
    report = run_certification(config, NullProgress()).report
    assert report.options["rate_limit"] == 50.0 and report.options["max_concurrent"] == 2


def test_default_jobs_follow_the_target() -> None:
    """No --jobs: the remote default for a remote target, one at a time on loopback."""
    from conform.runner.config import DEFAULT_JOBS

    unset = RunConfig()
    assert unset.for_target("https://broker.example.org:1026").jobs == DEFAULT_JOBS == 8
    for local in ("http://127.0.0.1:40000", "http://localhost:1026", "http://[::1]:8080"):
        assert unset.for_target(local).jobs == 1, local
    given = RunConfig(jobs=3)
    assert given.for_target("http://127.0.0.1:1").jobs == 3
    assert given.for_target("https://broker.example.org").jobs == 3
