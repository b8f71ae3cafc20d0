"""Run a suite's tests concurrently: pytest sessions in threads, one shared queue of tests.

Each session collects the suite itself (one at a time: they share imported modules) and then
runs what the shared queue hands it; a module with a module-scoped fixture is handed out whole.
Three stages, each starting when the one before has ended:

1. tests marked `serial` (they list or count the whole target) run alone, in the caller's thread,
   while the other sessions collect;
2. tests marked `timed` (they wait for notifications, and for some that must not come) run with
   one another, in every session, and with nothing else: each watches its own entities through
   its own subscription and receiver, so they cannot disturb one another, and their deliberate
   waits (periods, expiry, quiet periods) overlap instead of adding up;
3. the other tests, and the work `beside` them (the property-based phase).

Every session shares the run's one recording client, so evidence, namespace and cleanup stay
exact, and its limiter caps what reaches the target.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import pytest

if TYPE_CHECKING:
    from conform.runner.outcome import RunOutcome, TestOutcome
    from conform.runner.plan import Plan
    from conform.runner.progress import Progress

SERIAL = "serial"
TIMED = "timed"
# plugins that swap process-wide state (stdout, warnings filters, log levels, hooks) per test
THREAD_UNSAFE_PLUGINS = (
    "faulthandler", "logging", "warnings", "unraisableexception", "threadexception", "debugging",
)  # fmt: skip


class Shared:
    """What the sessions of one run share: the serial tests, the timed ones, the queue of the
    others, and when each stage is done."""

    def __init__(self) -> None:
        self.collecting = threading.Lock()
        self.first_collected = threading.Event()
        self.tearing_down = threading.Lock()
        self.serial_done = threading.Event()
        self.timed_done = threading.Event()
        self.stop = threading.Event()
        self.order: dict[str, int] = {}  # node id -> position in collection order
        self._lock = threading.Lock()
        self._serial: list[str] = []
        self._timed: deque[list[str]] = deque()
        self._timed_left = 0  # timed groups handed out or waiting, not yet finished
        self._queue: deque[list[str]] | None = None

    def fill(self, items: list[pytest.Item]) -> None:
        """The first session to finish collecting decides the queue (they all collect alike)."""
        with self._lock:
            if self._queue is not None:
                return
            self.order = {item.nodeid: n for n, item in enumerate(items)}
            self._serial = [i.nodeid for i in items if i.get_closest_marker(SERIAL)]
            timed = [
                i for i in items if i.get_closest_marker(TIMED) and i.nodeid not in self._serial
            ]
            self._timed = deque(_groups(timed))
            self._timed_left = len(self._timed)
            if not self._timed:
                self.timed_done.set()
            staged = set(self._serial) | {i.nodeid for i in timed}
            # the longest first (a module sharing a fixture runs in one session): it must not
            # start last and hold up the end of the run
            rest = _groups([i for i in items if i.nodeid not in staged])
            self._queue = deque(sorted(rest, key=len, reverse=True))

    def serial(self) -> list[str]:
        """The tests that must run alone."""
        with self._lock:
            return list(self._serial)

    def next_timed(self) -> list[str] | None:
        """The next timed tests to run in order, or None when none are left (or the run stops);
        `timed_finished` must follow once they ran."""
        with self._lock:
            if self.stop.is_set() or not self._timed:
                return None
            return self._timed.popleft()

    def timed_finished(self) -> None:
        """A group `next_timed` handed out has ended: the last one ends the timed stage."""
        with self._lock:
            self._timed_left -= 1
            if self._timed_left <= 0:
                self.timed_done.set()

    def next_group(self) -> list[str] | None:
        """The next tests to run in order, or None when none are left (or the run stops)."""
        with self._lock:
            if self.stop.is_set() or not self._queue:
                return None
            return self._queue.popleft()


def _groups(items: list[pytest.Item]) -> list[list[str]]:
    """ITEMS' node ids in collection order, one group per test or per module when the module's
    tests share a module- or class-scoped fixture (a group runs in one session)."""
    groups: dict[str, list[str]] = {}
    for item in items:
        key = item.nodeid if _function_scoped(item) else item.nodeid.split("::")[0]
        groups.setdefault(key, []).append(item.nodeid)
    return list(groups.values())


def _function_scoped(item: pytest.Item) -> bool:
    """Whether ITEM uses no module- or class-scoped fixture (it can run anywhere, alone)."""
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info is not None else ()
    scopes = {d[-1].scope for d in defs if d}
    return not scopes & {"module", "class", "package"}


class SharedQueue:
    """pytest plugin: this session runs what the shared queue hands it (FIRST: serial tests)."""

    def __init__(self, shared: Shared, first: bool) -> None:
        self.shared = shared
        self.first = first
        self._holding = False

    def __enter__(self) -> SharedQueue:
        """Enter before pytest starts: one session at a time loads the suite's conftest and
        plugins and collects (they share the imported modules); the first goes first, alone,
        so the serial tests start at once and the others collect while those run."""
        if not self.first:
            self.shared.first_collected.wait()
        self.shared.collecting.acquire()
        self._holding = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._collected()

    def _collected(self) -> None:
        if self._holding:
            self._holding = False
            self.shared.collecting.release()
        if self.first:
            self.shared.first_collected.set()

    @pytest.hookimpl(wrapper=True)
    def pytest_collection(self, session: pytest.Session) -> object:
        try:
            return (yield)
        finally:
            self._collected()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> object:
        # pytest sets $PYTEST_CURRENT_TEST in each phase and pops it after teardown: two
        # teardowns at once would pop it twice (KeyError)
        with self.shared.tearing_down:
            return (yield)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.shared.fill(session.items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        by_id = {item.nodeid: item for item in session.items}
        if self.first:
            try:
                _run(session, [by_id[n] for n in self.shared.serial() if n in by_id])
            finally:
                self.shared.serial_done.set()
        else:
            self.shared.serial_done.wait()
        while (group := self.shared.next_timed()) is not None:
            try:
                _run(session, [by_id[n] for n in group if n in by_id])
            finally:
                self.shared.timed_finished()
        self.shared.timed_done.wait()
        while (group := self.shared.next_group()) is not None:
            _run(session, [by_id[n] for n in group if n in by_id])
        return True


def _run(session: pytest.Session, items: list[pytest.Item]) -> None:
    for i, item in enumerate(items):
        nextitem = items[i + 1] if i + 1 < len(items) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)


class LockedProgress:
    """A Progress whose events, sent from several sessions' threads, arrive one at a time."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._lock = threading.Lock()

    def run_started(self, plan: Plan) -> None:
        """Forward."""
        with self._lock:
            self._progress.run_started(plan)

    def phase(self, message: str) -> None:
        """Forward."""
        with self._lock:
            self._progress.phase(message)

    def tests_collected(self, count: int) -> None:
        """Forward (every session collects the whole suite: the same count each time)."""
        with self._lock:
            self._progress.tests_collected(count)

    def test_finished(self, outcome: TestOutcome) -> None:
        """Forward."""
        with self._lock:
            self._progress.test_finished(outcome)

    def run_finished(self, outcome: RunOutcome) -> None:
        """Forward."""
        with self._lock:
            self._progress.run_finished(outcome)


class Beside(Protocol):
    """Work that runs beside the concurrent tests (the property-based phase)."""

    def run(self) -> None:
        """Do it (called in its own thread once the serial tests are done)."""

    def cancel(self) -> None:
        """Stop soon: the run was interrupted."""


def in_threads(sessions: list[Callable[[], bool]], beside: Beside | None, shared: Shared) -> None:
    """Run SESSIONS[0] in this thread and the rest, and BESIDE once the serial and timed tests
    are done, each in its own; a session returns whether it was interrupted, which stops the
    others."""

    def later() -> None:
        shared.timed_done.wait()
        if beside is not None and not shared.stop.is_set():
            beside.run()

    threads = [
        threading.Thread(target=session, name=f"conform-session-{n}", daemon=True)
        for n, session in enumerate(sessions[1:], 1)
    ]
    threads.append(threading.Thread(target=later, name="conform-beside", daemon=True))
    for thread in threads:
        thread.start()
    interrupted = True
    try:
        interrupted = sessions[0]()
    finally:
        if interrupted or not shared.timed_done.is_set():
            shared.stop.set()
            shared.first_collected.set()
            shared.serial_done.set()  # the first session may never have reached its tests
            shared.timed_done.set()
            if beside is not None:
                beside.cancel()
        for thread in threads:
            thread.join()
