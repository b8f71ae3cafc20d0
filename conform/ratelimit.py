"""Respect the target: a cap on requests in flight and on requests started per second."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator


class Limiter:
    """At most `concurrency` requests at once, started at most `rate` per second (None: no cap).

    Pacing spaces request starts evenly (1/rate apart): never a burst a token bucket would allow.
    """

    def __init__(
        self,
        rate: float | None = None,
        concurrency: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        if rate is not None and not rate > 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self.concurrency = concurrency
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._next = 0.0
        self._clock = clock
        self._sleep = sleep

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the concurrent slots, entered no sooner than the rate allows."""
        with self._slots:
            self._pace()
            yield

    def _pace(self) -> None:
        if self.rate is None:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            self._sleep(start - now)
