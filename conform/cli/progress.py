"""Progress displays for `conform run`: a rich bar on a terminal, plain lines for CI and pipes."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bar

from conform.i18n import failure_text, phase_text, status_label, t
from conform.reporters import FILENAMES, ReportFormat
from conform.reporters.terminal import closing_line, print_report
from conform.results import Status
from conform.runner.output import report_evidence

if TYPE_CHECKING:
    from conform.runner import Plan, Progress, RunOutcome
    from conform.runner.outcome import TestOutcome


def _plan_line(plan: Plan) -> str:
    skipped = len(plan.items) - len(plan.to_run)
    return (
        f"{len(plan.to_run)} requirements to run ({skipped} skipped), "
        f"{len(plan.test_ids)} tests; declared classes: "
        f"{', '.join(plan.declared_classes) or 'none'}"
    )


class PlainProgress:
    """One line per event: readable in CI logs, no control characters."""

    def __init__(self, console: Console, lang: str = "en", verbose: bool = False) -> None:
        self.console = console
        self.lang = lang
        self.verbose = verbose
        self._started = time.monotonic()

    def _line(self, text: str) -> None:
        text = phase_text(text, self.lang)
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def run_started(self, plan: Plan) -> None:
        """Say what will run."""
        self._started = time.monotonic()
        self._line(_plan_line(plan))

    def phase(self, message: str) -> None:
        """Name the step."""
        self._line(message)

    def tests_collected(self, count: int) -> None:
        """Nothing to say: the plan line named the tests."""

    def test_finished(self, outcome: TestOutcome) -> None:
        """One line per test; failures and errors with their reason."""
        reason = f": {outcome.message}" if outcome.status is not Status.PASSED else ""
        self._line(f"{status_label(outcome.status, self.lang):7} {outcome.nodeid}{reason}")

    def run_finished(self, outcome: RunOutcome) -> None:
        """The final screen: verdict, counts, root causes, and a pytest-style closing line."""
        if outcome.stopped:  # one cause for every requirement: say it once
            could_not = t("could_not_test", self.lang)
            stopped = failure_text(outcome.stopped, self.lang)
            self._line(f"{outcome.report.verdict.value}: {could_not}: {stopped}")
        else:
            evidence = report_evidence(outcome.out_dir, outcome.report)
            print_report(outcome.report, self.console, self.lang, evidence, verbose=self.verbose)
        self._line(f"report written to {outcome.out_dir}")
        html = outcome.out_dir / FILENAMES[ReportFormat.HTML]
        seconds = time.monotonic() - self._started
        self._line(closing_line(outcome.report, seconds, html, self.lang))


class RichProgress(PlainProgress):
    """A progress bar over the suite's tests; failures are printed above it as they happen."""

    def __init__(self, console: Console, lang: str = "en", verbose: bool = False) -> None:
        super().__init__(console, lang, verbose)
        self._bar = Bar(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=True,
        )  # fmt: skip
        self._task = self._bar.add_task("tests", total=None)
        self._phase_steps = 0

    def run_started(self, plan: Plan) -> None:
        """Start the bar."""
        super().run_started(plan)
        # one step per requirement the property-based phase decides, plus (once collected) one
        # per suite test case
        self._phase_steps = sum(1 for p in plan.items if p.runs and p.property_based)
        self._bar.update(self._task, total=len(plan.test_ids) + self._phase_steps)
        self._bar.start()

    def tests_collected(self, count: int) -> None:
        """The true total: parametrised tests run once per case."""
        self._bar.update(self._task, total=count + self._phase_steps)

    def phase(self, message: str) -> None:
        """Print the step above the bar (the seed stays on screen) and make it the bar's label."""
        super().phase(message)
        self._bar.update(self._task, description=phase_text(message, self.lang))

    def test_finished(self, outcome: TestOutcome) -> None:
        """Advance; print failures and errors above the bar."""
        self._bar.advance(self._task)
        if outcome.status in (Status.FAILED, Status.ERROR):
            super().test_finished(outcome)

    def run_finished(self, outcome: RunOutcome) -> None:
        """Remove the bar, then the final screen."""
        self._bar.stop()
        super().run_finished(outcome)

    def close(self) -> None:
        """Stop the bar (after an error or interrupt that skipped run_finished)."""
        self._bar.stop()


class QuietProgress(PlainProgress):
    """--quiet: nothing while the run goes, then the verdict and where the report is."""

    def _line(self, text: str) -> None:
        pass  # every progress line goes through here

    def run_finished(self, outcome: RunOutcome) -> None:
        """One line."""
        line = f"{outcome.report.verdict.value} — {outcome.out_dir}"
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)


def make_progress(
    lang: str = "en", console: Console | None = None, *, quiet: bool = False, verbose: bool = False
) -> Progress:
    """A rich bar on an interactive terminal; plain lines when piped, when CI is set or verbose."""
    # bind the real stdout now: the runner redirects sys.stdout while pytest runs
    console = console or Console(file=sys.stdout)
    if quiet:
        return QuietProgress(console, lang)
    if console.is_terminal and not os.environ.get("CI") and not verbose:
        return RichProgress(console, lang)
    return PlainProgress(console, lang, verbose)
