"""The limiter: requests paced to --rate-limit, never more than --max-concurrent in flight."""

from __future__ import annotations

import threading

import pytest
from loopback import Answer, HttpServer, Seen

from conform.evidence import EvidenceLog
from conform.http import Client
from conform.ratelimit import Limiter


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_starts_are_spaced_one_over_the_rate_apart() -> None:
    clock = FakeClock()
    limiter = Limiter(4.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        with limiter.slot():
            pass
    assert clock.slept == [0.25, 0.25, 0.25, 0.25]  # the first goes at once, no burst after


def test_no_rate_never_sleeps() -> None:
    clock = FakeClock()
    limiter = Limiter(None, 2, clock=clock, sleep=clock.sleep)
    for _ in range(50):
        with limiter.slot():
            pass
    assert clock.slept == []


@pytest.mark.parametrize(("rate", "concurrency"), [(0.0, 1), (-1.0, 1), (None, 0)])
def test_nonsense_limits_are_refused(rate: float | None, concurrency: int) -> None:
    with pytest.raises(ValueError):
        Limiter(rate, concurrency)


def test_the_client_never_has_more_requests_in_flight_than_its_limiter_allows() -> None:
    lock, full = threading.Lock(), threading.Event()
    in_flight, most = [0], [0]

    def answer(seen: Seen) -> Answer:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            if in_flight[0] >= 3:
                full.set()
        full.wait(timeout=5)  # hold each request until three are in flight at once
        with lock:
            in_flight[0] -= 1
        return Answer(200, {"Content-Type": "application/json"}, b"{}")

    evidence = EvidenceLog()
    with (
        HttpServer(answer) as server,
        Client(server.url, evidence=evidence, limiter=Limiter(None, 3)) as client,
    ):
        evidence.set_phase("cleanup")
        client.each(lambda n: client.get(f"/entities/{n}"), range(12))

    assert most[0] == 3 and len(server.requests) == 12
    # the pool's threads record under the caller's phase
    assert [x.test for x in evidence.exchanges()] == ["cleanup"] * 12
