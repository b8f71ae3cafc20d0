"""Shared bench helpers: repeated timing with medians, evidence replay, table printing."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BUNDLE = ROOT / "specs" / "city-os" / "1.0"
OPENAPI = BUNDLE / "openapi.yaml"
T = TypeVar("T")

# Hop-by-hop framing is recomputed by the client from the body; replaying it could desync.
_FRAMING = {"content-length", "transfer-encoding", "connection", "host"}


def median(values: Iterable[float]) -> float:
    """The median of VALUES (what every figure of these scripts reports)."""
    return statistics.median(list(values))


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """(wall seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def spread(values: Sequence[float]) -> str:
    """'median (min-max, n=N)' for a list of seconds."""
    return f"{median(values):.3f}s ({min(values):.3f}-{max(values):.3f}, n={len(values)})"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table (pasteable into bench/README.md as printed)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The exchanges of an evidence.jsonl file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def rebase(url: str, root: str) -> str:
    """URL moved onto ROOT's scheme/host/port (a fresh server listens elsewhere)."""
    parts, base = urlsplit(url), urlsplit(root)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def replay(rows: Sequence[dict[str, Any]], root: str) -> tuple[float, int]:
    """Send ROWS' requests in order on one keep-alive session; (wall seconds, answered)."""
    prepared = [
        (
            row["method"],
            rebase(row["url"], root),
            {k: v for k, v in row["request"]["headers"].items() if k.lower() not in _FRAMING},
            None if row["request"]["body"] is None else row["request"]["body"].encode("utf-8"),
        )
        for row in rows
    ]
    answered = 0
    with requests.Session() as session:
        start = time.perf_counter()
        for method, url, headers, body in prepared:
            try:
                response = session.request(method, url, headers=headers, data=body, timeout=10)
                answered += bool(response.content is not None)  # read the whole body
            except requests.RequestException:
                pass  # the certification may have recorded transport errors too
        return time.perf_counter() - start, answered


def time_v(argv: Sequence[str], cwd: Path | None = None) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of ARGV under /usr/bin/time -v."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *argv], cwd=cwd, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    rss = next(
        int(line.split(":")[1])
        for line in proc.stderr.splitlines()
        if "Maximum resident set size" in line
    )
    return wall, rss, proc.returncode
