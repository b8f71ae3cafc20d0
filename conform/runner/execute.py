"""Run a suite in-process with pytest; a collector plugin records one outcome per test."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conform.errors import ConformError
from conform.profiles import profile_for
from conform.results import Status
from conform.runner.outcome import TestOutcome
from conform.runner.parallel import (
    THREAD_UNSAFE_PLUGINS,
    Beside,
    LockedProgress,
    Shared,
    SharedQueue,
    in_threads,
)
from conform.runner.plan import Plan
from conform.runner.progress import Progress
from conform.suite.context import CONTEXT, SuiteContext
from conform.suite.expect import bound_profile
from conform.suite.precondition import Precondition

_MAX_MESSAGE = 300


@dataclass
class SuiteRun:
    """What executing a suite produced."""

    outcomes: list[TestOutcome] = field(default_factory=list)
    collect_errors: list[str] = field(default_factory=list)
    interrupted: bool = False


def one_line(exc: BaseException) -> str:
    """A short message for an exception; assertion and conform errors speak for themselves."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if not isinstance(exc, AssertionError | ConformError | pytest.fail.Exception | Precondition):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _req_ids(item: pytest.Item) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(i) for m in item.iter_markers("req") for i in m.args))


class Collector:
    """pytest plugin: hands the context to the suite, selects planned tests, records outcomes."""

    def __init__(self, context: SuiteContext, plan: Plan, progress: Progress) -> None:
        self.context = context
        self.run_ids = {p.requirement.id for p in plan.to_run}
        self.read_only = plan.read_only
        self.progress = progress
        self.result = SuiteRun()
        self._state: dict[str, tuple[Status, str, str]] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[CONTEXT] = self.context

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            wanted = bool(set(_req_ids(item)) & self.run_ids)
            if self.read_only and item.get_closest_marker("read_only") is None:
                wanted = False
            (keep if wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
        self.progress.tests_collected(len(keep))  # parametrised tests count once per case

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = str(report.longrepr).strip().splitlines()
            self.result.collect_errors.append(f"{report.nodeid}: {text[-1] if text else 'error'}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, Any, Any]:
        self.context.evidence.set_phase(item.nodeid)
        unfinished = (Status.ERROR, "not executed", "")
        try:
            return (yield)
        except KeyboardInterrupt:
            unfinished = (Status.ERROR, "interrupted while running", "")
            raise
        finally:
            self.context.evidence.set_phase("")
            status, message, blocker = self._state.pop(item.nodeid, unfinished)
            ids = tuple(self.context.evidence.ids_for(item.nodeid))
            # a target may echo the credential back into what an assertion quotes: never shown
            message = self.context.evidence.redact(message)
            outcome = TestOutcome(item.nodeid, _req_ids(item), status, message, ids, blocker)
            self.result.outcomes.append(outcome)
            self.progress.test_finished(outcome)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        rep = yield
        self._record(item, call, rep)
        return rep

    def _record(
        self, item: pytest.Item, call: pytest.CallInfo[None], rep: pytest.TestReport
    ) -> None:
        nodeid = item.nodeid
        prior = self._state.get(nodeid)
        if prior and prior[0] in (Status.FAILED, Status.ERROR, Status.BLOCKED):
            return  # the first problem decides; a teardown error after it adds nothing
        exc = call.excinfo.value if call.excinfo else None
        if hasattr(rep, "wasxfail"):  # an expected failure proves nothing: never passed
            self._state[nodeid] = (Status.SKIPPED, f"test marked xfail: {rep.wasxfail}", "")
        elif rep.skipped:
            reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else "skipped"
            self._state[nodeid] = (
                Status.SKIPPED,
                f"test skipped: {reason.removeprefix('Skipped: ')}",
                "",
            )
        elif rep.failed and isinstance(exc, Precondition):
            if exc.requirement in _req_ids(item):  # its own rule: the step is what it judges
                self._state[nodeid] = (Status.FAILED, exc.detail, "")
            else:
                self._state[nodeid] = (Status.BLOCKED, one_line(exc), exc.requirement)
        elif rep.failed and exc is not None:
            assertion = isinstance(exc, AssertionError | pytest.fail.Exception)
            status = Status.FAILED if assertion and rep.when == "call" else Status.ERROR
            prefix = "" if rep.when == "call" else f"{rep.when}: "
            self._state[nodeid] = (status, prefix + one_line(exc), "")
        elif rep.failed:
            self._state[nodeid] = (Status.ERROR, f"{rep.when}: failed", "")
        elif rep.when == "call":
            self._state[nodeid] = (Status.PASSED, "", "")

    def pytest_keyboard_interrupt(self) -> None:
        self.result.interrupted = True


@contextlib.contextmanager
def _fresh_modules(suite_dir: Path) -> Iterator[None]:
    """Hide modules named like the suite's files while it runs, then put them back.

    pytest's importlib mode reuses `sys.modules[name]` when present, so a host process that
    already imported its own `test_batch` (a vendor's pytest session, our own tests) would
    silently run that module instead of the suite's: every requirement "not executed".
    """
    names = {p.stem for p in suite_dir.rglob("*.py")}

    def ours(module: str) -> bool:
        return module.split(".", 1)[0] in names

    saved = {name: sys.modules.pop(name) for name in [m for m in sys.modules if ours(m)]}
    try:
        yield
    finally:
        for name in [m for m in sys.modules if ours(m)]:
            del sys.modules[name]
        sys.modules.update(saved)


def run_suite(
    suite_dir: Path,
    context: SuiteContext,
    plan: Plan,
    progress: Progress,
    *,
    jobs: int = 1,
    beside: Beside | None = None,
) -> SuiteRun:
    """Execute the plan's tests of SUITE_DIR in this process, JOBS at a time (serial ones alone),
    with BESIDE running beside them; pytest's own output is captured."""
    shared = Shared()
    progress = LockedProgress(progress)
    collectors = [Collector(context, plan, progress) for _ in range(jobs)]
    args = [
        str(suite_dir),
        # no installed plugin (anyio, hypothesis, schemathesis, a vendor's pytest-randomly ...):
        # they add nothing a suite needs, may change how it runs, and cost each session ~2 s
        "--disable-plugin-autoload",
        "-p", "no:cacheprovider",
        "-p", "no:terminal",
        *[arg for name in THREAD_UNSAFE_PLUGINS for arg in ("-p", f"no:{name}")],
        "--import-mode=importlib",
        "--rootdir", str(suite_dir),
        "-c", os.devnull,  # never pick up the user's or the repo's pytest configuration
        "-o", "addopts=",
        "--strict-markers",
        "--continue-on-collection-errors",  # a broken module leaves its requirements unrun
        "--capture=no",  # sessions share sys.stdout (redirected below); fd 1 stays the user's
    ]  # fmt: skip
    codes: list[int | pytest.ExitCode] = [pytest.ExitCode.OK] * jobs

    def session(n: int) -> Callable[[], bool]:
        def run() -> bool:
            with SharedQueue(shared, first=n == 0) as queue:
                codes[n] = pytest.main(args, plugins=[collectors[n], queue])
            return collectors[n].result.interrupted

        return run

    buffer = io.StringIO()
    with (
        _fresh_modules(suite_dir),
        # the sessions bind the run's profile; a process running more than this run (a script,
        # a test) gets back what it had bound once the last session ended
        bound_profile(profile_for(context.bundle)),
        contextlib.redirect_stdout(buffer),
        contextlib.redirect_stderr(buffer),
        warnings.catch_warnings(),  # the warnings plugin is off: a suite's warnings stay quiet
    ):
        warnings.simplefilter("ignore")
        in_threads([session(n) for n in range(jobs)], beside, shared)
    result = SuiteRun()
    for collector in collectors:
        result.outcomes += collector.result.outcomes
        result.collect_errors += collector.result.collect_errors
        result.interrupted = result.interrupted or collector.result.interrupted
    result.outcomes.sort(key=lambda o: shared.order.get(o.nodeid, len(shared.order)))
    result.collect_errors = list(dict.fromkeys(result.collect_errors))  # every session's alike
    # pytest also answers INTERRUPTED for collection errors: only its keyboard hook says Ctrl-C
    failed = (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR)
    broken = [c for c in codes if c in failed]
    if broken:
        tail = buffer.getvalue().strip().splitlines()
        code = broken[0]
        result.collect_errors.append(f"pytest exit {int(code)}: {tail[-1] if tail else ''}")
    return result
