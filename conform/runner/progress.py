"""How the core reports progress: a protocol the CLI implements (the core never prints)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from conform.runner.outcome import RunOutcome, TestOutcome
    from conform.runner.plan import Plan


class Progress(Protocol):
    """Receives the run's events in order: started, phases and tests, finished."""

    def run_started(self, plan: Plan) -> None:
        """The plan is made; its `to_run` requirements' tests are about to run."""

    def phase(self, message: str) -> None:
        """A step of the run began (probe, suites, cleanup, writing the report)."""

    def test_finished(self, outcome: TestOutcome) -> None:
        """One suite test finished."""

    def run_finished(self, outcome: RunOutcome) -> None:
        """The report is written; OUTCOME says where and with which verdict."""


class NullProgress:
    """Progress that shows nothing (library use, tests)."""

    def run_started(self, plan: Plan) -> None:
        """Ignore."""

    def phase(self, message: str) -> None:
        """Ignore."""

    def test_finished(self, outcome: TestOutcome) -> None:
        """Ignore."""

    def run_finished(self, outcome: RunOutcome) -> None:
        """Ignore."""
