"""Harness overhead: a full certification vs a bare replay of the very requests it recorded."""

from __future__ import annotations

import argparse
import collections
import contextlib
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import ROOT, median, read_rows, replay, spread, table, timed

from conform.bundle import load_bundle
from conform.evidence import read_exchanges
from conform.reference import ReferenceServer
from conform.report import load_report
from conform.runner import NullProgress, RunConfig, run_certification
from conform.runner.output import write_formats


@dataclass
class Recorder(NullProgress):
    """Progress that timestamps every phase message and every finished test."""

    marks: list[tuple[float, str]] = field(default_factory=list)
    tests: list[tuple[float, str]] = field(default_factory=list)

    def run_started(self, plan: Any) -> None:
        """Mark."""
        self.marks.append((time.perf_counter(), "planned"))

    def phase(self, message: str) -> None:
        """Mark."""
        self.marks.append((time.perf_counter(), message))

    def test_finished(self, outcome: Any) -> None:
        """Mark."""
        self.tests.append((time.perf_counter(), outcome.nodeid))

    def run_finished(self, outcome: Any) -> None:
        """Mark."""
        self.marks.append((time.perf_counter(), "finished"))

    def at(self, prefix: str) -> float:
        """When the first phase message starting with PREFIX was given."""
        return next(t for t, m in self.marks if m.startswith(prefix))


@contextlib.contextmanager
def deliberate_waits() -> Any:
    """Time the suites sleep on purpose (`time.sleep` called from a file under suites/: a
    subscription left to expire, periodic notifications, quiet periods proving a notification
    does not come). Yields the list of (start, end) of every such sleep; see `union`."""
    spans: list[tuple[float, float]] = []
    lock, sleep, suites = threading.Lock(), time.sleep, str(ROOT / "suites")

    def counting(seconds: float) -> None:
        start = time.perf_counter()
        sleep(seconds)
        if sys._getframe(1).f_code.co_filename.startswith(suites):
            with lock:
                spans.append((start, time.perf_counter()))

    time.sleep = counting  # type: ignore[assignment]
    try:
        yield spans
    finally:
        time.sleep = sleep


def union(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by at least one of SPANS (waits of tests running at once overlap)."""
    covered, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered


def _when(row: dict[str, Any]) -> float:
    return datetime.fromisoformat(row["started_at"]).timestamp()


def certify(seed: int, out: Path, jobs: int | None, bundle: str) -> tuple[float, Recorder, float]:
    """(wall seconds, phase marks, perf_counter at start) of one full certification."""
    recorder = Recorder()
    start = time.perf_counter()
    run_certification(RunConfig(out=out, seed=seed, jobs=jobs, bundle=bundle), recorder)
    return time.perf_counter() - start, recorder, start


NOT_SUITE = ("probe", "cleanup", "property-based")  # evidence `test` values outside pytest


def first_request(rec: Recorder, rows: list[dict[str, Any]]) -> float:
    """perf_counter time of the first suite request (pytest has collected by then)."""
    suite_rows = [r for r in rows if r["test"] not in NOT_SUITE]
    if not suite_rows:
        return rec.at("running")
    return rec.at("running") + _when(suite_rows[0]) - _when(rows[0])


def _wire(rows: list[dict[str, Any]], keep: Callable[[str], bool]) -> float:
    """Seconds on the wire of the exchanges whose `test` KEEP accepts."""
    return sum(r["duration_ms"] for r in rows if keep(r["test"])) / 1000


def breakdown(rec: Recorder, start: float, rows: list[dict[str, Any]], out: Path) -> list[Any]:
    """Seconds per part of one run: setup, collection, tests (wire vs harness), cleanup, writing."""
    tests_at = rec.at("running")
    first_wall = first_request(rec, rows)
    cleanup_at, writing_at, done = rec.at("cleaning up"), rec.at("writing"), rec.at("finished")
    suite_tests = [t for t, nodeid in rec.tests if not nodeid.startswith("property-based")]
    suite_end = suite_tests[-1] if suite_tests else first_wall
    wire_tests = _wire(rows, lambda test: test not in NOT_SUITE)
    wire_prop = _wire(rows, lambda test: test == "property-based")
    wire_cleanup = _wire(rows, lambda test: test == "cleanup")
    report = load_report(out)
    with tempfile.TemporaryDirectory() as scratch:
        exchanges = read_exchanges(out / "evidence.jsonl")  # a run holds them in memory
        reports, _ = timed(lambda: write_formats(report, Path(scratch), exchanges))
    return [
        ("bundle load, server start, plan", rec.at("probing") - start),
        ("probe", tests_at - rec.at("probing")),
        ("pytest collection + first setup (estimated)", first_wall - tests_at),
        ("suite tests: on the wire", wire_tests),
        ("suite tests: harness (checks, fixtures, waits)", suite_end - first_wall - wire_tests),
        ("property-based phase: on the wire", wire_prop),
        ("property-based phase: harness (generation, checks)", cleanup_at - suite_end - wire_prop),
        ("cleanup: on the wire", wire_cleanup),
        ("cleanup: harness", writing_at - cleanup_at - wire_cleanup),
        ("writing: evidence + every report format", done - writing_at),
        ("of which reports alone, re-rendered (json, junit, html, md)", reports),
    ]


def beyond_wire(rec: Recorder, rows: list[dict[str, Any]], first: float) -> list[tuple[str, float]]:
    """(test, seconds) each test spent beyond its time on the wire (waits, sleeps, checks)."""
    wire: collections.Counter[str] = collections.Counter()
    for row in rows:
        wire[row["test"]] += row["duration_ms"] / 1000
    previous, extra = first, []
    for when, nodeid in rec.tests:
        path, _, rest = nodeid.partition("::")  # parameters may hold "/" themselves
        name = f"{path.rsplit('/', 1)[-1]}::{rest}"
        if name.startswith("property-based"):
            continue  # the phase's outcomes are reported at its end, not timed one by one
        extra.append((name, when - previous - wire[name]))
        previous = when
    return extra


def per_module(extra: list[tuple[str, float]]) -> list[tuple[str, int, str, int]]:
    """Per suite module: tests, harness seconds beyond the wire, tests with >= 0.4 s of waiting."""
    groups: dict[str, list[float]] = collections.defaultdict(list)
    for name, secs in extra:
        groups[name.split("::")[0]].append(secs)
    rows = [(m, len(v), f"{sum(v):.2f}", sum(x >= 0.4 for x in v)) for m, v in groups.items()]
    return sorted(rows, key=lambda r: -float(r[2]))


def main() -> None:
    """Run, replay, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=6, help="slowest tests to list")
    parser.add_argument("--jobs", type=int, default=None, help="default: the run's (1 on loopback)")
    parser.add_argument("--bundle", default="city-os", help="an NGSI-LD bundle, e.g. city-os@1.0")
    args = parser.parse_args()
    cert, rep, waits, parts = [], [], [], collections.defaultdict(list)
    extra: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            out = Path(tmp) / f"run{i}"
            with deliberate_waits() as slept:
                wall, rec, start = certify(args.seed, out, args.jobs, args.bundle)
            waits.append(union(slept))
            rows = read_rows(out / "evidence.jsonl")
            with ReferenceServer(port=0, bundle=load_bundle(args.bundle)) as server:
                replay_wall, answered = replay(rows, server.url)
            cert.append(wall)
            rep.append(replay_wall)
            for name, secs in breakdown(rec, start, rows, out):
                parts[name].append(secs)
            extra = beyond_wire(rec, rows, first_request(rec, rows))
            print(f"run {i}: certify {wall:.2f}s, replay {replay_wall:.2f}s "
                  f"({answered}/{len(rows)} answered)", flush=True)  # fmt: skip
    print(f"\nexchanges per run: {len(rows)}")
    print(f"certification wall: {spread(cert)}")
    print(f"bare replay wall:   {spread(rep)}")
    print(f"deliberate waits:   {spread(waits)} (wall time during which a test slept)")
    ratio = median(c / r for c, r in zip(cert, rep, strict=True))
    print(f"ratio certification / replay (median of per-run ratios): {ratio:.2f}")
    # the least any certification of the same requirements spends: the same requests, and the
    # waits the standard's timing obliges (expiry, periods, quiet periods), which a bare replay
    # skips
    floor = [r + w for r, w in zip(rep, waits, strict=True)]
    ratio = median(c / f for c, f in zip(cert, floor, strict=True))
    print(f"ratio certification / (replay + deliberate waits): {ratio:.2f} (target <= 3)")
    print("\nbreakdown (median seconds):")
    print(table(["part", "seconds"], [(n, f"{median(v):.2f}") for n, v in parts.items()]))
    print("\nharness time beyond the wire per suite module (last run):")
    print(table(["module", "tests", "seconds", "tests waiting >= 0.4 s"], per_module(extra)))
    print("\ntests with the most harness time beyond the wire (last run):")
    slow = sorted(extra, key=lambda x: -x[1])[: args.top]
    print(table(["test", "seconds"], [(n, f"{s:.2f}") for n, s in slow]))
    print("\nproperty-based phase: ", end="")
    print("present" if any(r["test"] == "property-based" for r in rows) else "not in this run")


if __name__ == "__main__":
    main()
