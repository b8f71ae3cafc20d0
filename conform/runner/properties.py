"""The property-based phase inside a run: planned requirements only, results as test outcomes."""

from __future__ import annotations

from typing import Any, cast

from conform.http import Client, Response, SafetyError
from conform.profiles import check_map
from conform.results import Status
from conform.runner.execute import one_line
from conform.runner.outcome import TestOutcome
from conform.runner.plan import Plan
from conform.runner.progress import Progress
from conform.suite.context import SuiteContext

PHASE_TEST = "property-based"  # evidence tag of the phase; its outcomes are PHASE_TEST::<id>


def planned(plan: Plan) -> list[str]:
    """Ids of the requirements the phase decides in this run (empty: the phase does not run)."""
    return [p.requirement.id for p in plan.to_run if p.property_based]


class _ReadOnlyClient:
    """The run's client refusing every write: under --read-only the phase sends GETs only."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def request(self, method: str, path: str, **kw: Any) -> Response:
        """Send a GET/HEAD; refuse anything else (the phase's cleanup DELETEs) unsent."""
        if method.upper() not in ("GET", "HEAD"):
            raise SafetyError(f"{method} {path} not sent: --read-only")
        return self._client.request(method, path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        """Refused: --read-only."""
        return self.request("DELETE", path, **kw)


def _get_only(openapi: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every operation but GET removed (a --read-only run)."""
    paths = {
        path: {k: v for k, v in item.items() if k in ("get", "parameters")}
        for path, item in (openapi.get("paths") or {}).items()
    }
    return {**openapi, "paths": {p: item for p, item in paths.items() if "get" in item}}


class PhaseRun:
    """The phase of one run: made, it starts drawing cases (worker processes); `run` sends them
    (beside the suites' tests); `outcomes` cleans up and decides, one outcome per requirement."""

    def __init__(
        self, ctx: SuiteContext, plan: Plan, *, max_examples: int, workers: int, progress: Progress
    ) -> None:
        from conform.fuzz import FuzzSettings, PropertyPhase

        self._ctx, self._progress = ctx, progress
        self._wanted = set(planned(plan))
        self._error = ""
        self._phase: PropertyPhase | None = None
        openapi = ctx.bundle.load_openapi()
        client = ctx.client
        if plan.read_only:
            openapi, client = _get_only(openapi), cast(Client, _ReadOnlyClient(ctx.client))
        where = " (GET operations only: --read-only)" if plan.read_only else ""
        progress.phase(
            f"property-based phase{where}: seed {ctx.seed}, {max_examples} examples per operation "
            f"and mode drawn by {workers} worker process(es), for {', '.join(sorted(self._wanted))}"
        )
        settings = FuzzSettings(ctx.seed, max_examples, workers)
        try:
            self._phase = PropertyPhase(
                openapi,
                client,
                namespace=ctx.namespace,
                settings=settings,
                check_map=check_map(ctx.bundle),
            )
        except Exception as exc:  # a phase that cannot run decides nothing: its requirements error
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        self._error = self._error or f"property-based phase could not run: {one_line(exc)}"

    def run(self) -> None:
        """Send every case (in a thread of its own, beside the suites)."""
        if self._phase is None:
            return
        try:
            self._phase.send()
        except Exception as exc:  # recorded: `outcomes` turns it into errors
            self._fail(exc)

    def cancel(self) -> None:
        """Send no more cases; stop drawing them (a no-op once every case was sent)."""
        if self._phase is not None:
            self._phase.cancel()
            self._phase.close()

    def outcomes(self) -> list[TestOutcome]:
        """Clean up what the phase created; one outcome per planned requirement."""
        results = []
        if self._phase is not None:
            self._phase.close()
            try:
                results = self._phase.finish()
            except Exception as exc:
                self._fail(exc)
            finally:
                self._ctx.evidence.set_phase("")
        if self._error:
            message = self._ctx.evidence.redact(self._error)
            outcomes = [
                TestOutcome(f"{PHASE_TEST}::{r}", (r,), Status.ERROR, message)
                for r in sorted(self._wanted)
            ]
        else:
            outcomes = [
                TestOutcome(
                    f"{PHASE_TEST}::{r.requirement_id}",
                    (r.requirement_id,),
                    r.status,
                    self._ctx.evidence.redact(r.message),
                    r.exchange_ids,
                )
                for r in results
                if r.requirement_id in self._wanted
            ]
        for outcome in outcomes:
            self._progress.test_finished(outcome)
        return outcomes
