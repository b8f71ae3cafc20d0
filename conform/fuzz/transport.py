"""Send one generated request and put the exchange into the run's evidence."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from conform.evidence import EvidenceLog

# schemathesis tags each case with a random id header; it would make the evidence differ
# between two runs with the same seed, and tells the target nothing.
DROPPED_HEADERS = ("X-Schemathesis-TestCaseId",)


@dataclass(frozen=True)
class Sent:
    """One request as sent: the response (or the transport error) and its evidence id."""

    exchange_id: str
    response: requests.Response | None
    error: str | None


class Transport:
    """A requests session that records every exchange; one per worker thread."""

    def __init__(
        self,
        session_factory: Callable[[], requests.Session],
        evidence: EvidenceLog,
        timeout: float,
    ) -> None:
        self._session = session_factory()
        self._evidence = evidence
        self._timeout = timeout

    def send(self, kwargs: dict[str, Any]) -> Sent:
        """Send requests-style `kwargs`; never follows redirects (credentials stay on origin)."""
        kwargs = dict(kwargs)
        headers = {k: v for k, v in (kwargs.pop("headers", None) or {}).items()}
        for name in DROPPED_HEADERS:
            headers.pop(name, None)
        request = requests.Request(headers=headers, **kwargs)
        prepared = self._session.prepare_request(request)
        started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        started = time.perf_counter()
        response: requests.Response | None = None
        error: str | None = None
        try:
            response = self._session.send(prepared, timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        body = prepared.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        exchange = self._evidence.record(
            method=str(prepared.method),
            url=str(prepared.url),
            request_headers=dict(prepared.headers),
            request_body=body,
            status=None if response is None else response.status_code,
            response_headers={} if response is None else dict(response.headers),
            response_body=None if response is None else response.text,
            error=error,
            duration_ms=duration_ms,
            started_at=started_at,
        )
        exchange_id = exchange.id
        return Sent(exchange_id, response, error)

    def close(self) -> None:
        """Release the session's connections."""
        self._session.close()
