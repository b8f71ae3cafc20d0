"""Per-requirement outcomes of the property-based phase, aggregated from single exchanges."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from conform.results import Status

MAX_FINDINGS = 5  # distinct findings quoted per requirement; the evidence holds the rest


@dataclass(frozen=True)
class PropertyResult:
    """The property-based verdict on one requirement, with the exchanges that decided it."""

    requirement_id: str
    status: Status  # PASSED, FAILED or ERROR
    message: str
    exchange_ids: tuple[str, ...]


@dataclass
class _Tally:
    checked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    findings: dict[str, str] = field(default_factory=dict)  # distinct finding -> message
    permitted: dict[str, str] = field(default_factory=dict)  # clause -> reason
    errors: list[str] = field(default_factory=list)


class Outcomes:
    """Thread-safe collector: each check's outcome on each exchange, keyed by requirement."""

    def __init__(self, check_map: Mapping[str, str]) -> None:
        self._check_map = dict(check_map)
        self._tallies = {req: _Tally() for req in check_map.values()}
        self._unanswered: list[str] = []
        self._refused = 0
        self._lock = threading.Lock()

    def passed(self, check: str, exchange_id: str) -> None:
        """The check held on this exchange."""
        with self._lock:
            self._tallies[self._check_map[check]].checked.append(exchange_id)

    def failed(self, check: str, exchange_id: str, key: str, message: str) -> None:
        """The check failed on this exchange; `key` groups identical findings."""
        with self._lock:
            tally = self._tallies[self._check_map[check]]
            tally.checked.append(exchange_id)
            tally.failed.append(exchange_id)
            tally.findings.setdefault(key, message)

    def permitted(self, check: str, exchange_id: str, clause: str, reason: str) -> None:
        """The check flagged behaviour the bundle permits, citing the clause."""
        with self._lock:
            tally = self._tallies[self._check_map[check]]
            tally.checked.append(exchange_id)
            tally.permitted.setdefault(clause, reason)

    def broken(self, check: str, exchange_id: str, message: str) -> None:
        """The check itself could not be evaluated (a harness or schema problem)."""
        with self._lock:
            self._tallies[self._check_map[check]].errors.append(f"{exchange_id}: {message}")

    def unanswered(self, error: str) -> None:
        """A request got no response (refused, timed out, reset); the evidence has it."""
        with self._lock:
            self._unanswered.append(error)

    def refused(self) -> None:
        """The namespace guard refused to send a request."""
        with self._lock:
            self._refused += 1

    def results(self) -> list[PropertyResult]:
        """One result per requirement, sorted by id; fail closed on anything untested."""
        return [self._result(req, tally) for req, tally in sorted(self._tallies.items())]

    def _result(self, req: str, tally: _Tally) -> PropertyResult:
        checks = ", ".join(sorted(c for c, r in self._check_map.items() if r == req))
        if tally.failed:
            shown = list(tally.findings.values())[:MAX_FINDINGS]
            more = len(tally.findings) - len(shown)
            message = (
                f"{checks}: {len(tally.failed)} of {len(tally.checked)} responses broke the rule "
                f"({len(tally.findings)} distinct)\n\n" + "\n\n".join(shown)
            )
            if more:
                message += f"\n\n… and {more} more distinct findings in the evidence"
            return PropertyResult(req, Status.FAILED, message, tuple(dict.fromkeys(tally.failed)))
        problems = tally.errors + [f"no response: {error}" for error in self._unanswered]
        if problems or not tally.checked:
            detail = "; ".join(problems[:MAX_FINDINGS]) or "no generated request got a response"
            message = f"{checks}: could not test ({len(problems)} problems): {detail}"
            return PropertyResult(req, Status.ERROR, message, tuple(tally.checked))
        message = f"{checks}: held on {len(tally.checked)} generated requests"
        if tally.permitted:
            cited = "; ".join(f"{c} ({r})" if r else c for c, r in sorted(tally.permitted.items()))
            message += f"; behaviour permitted by {cited}"
        if self._refused:
            message += f"; {self._refused} unsafe generated requests were not sent"
        return PropertyResult(req, Status.PASSED, message, tuple(tally.checked))
