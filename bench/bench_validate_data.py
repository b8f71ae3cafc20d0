"""`conform validate-data` on a large NDJSON file: peak memory stays bounded (streamed input).

Writes NDJSON files of SMALL and LARGE generated entities (10% invalid, the generator of
bench_validation.py), runs the real command on each under `/usr/bin/time -v` and reports the
peak RSS of both and their ratio: a ratio near 1 means memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, table
from bench_validation import corpus


def _write(path: Path, count: int, seed: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, count, 10_000):
            docs = corpus(min(10_000, count - start), 0.1, seed + start)
            out.writelines(json.dumps(doc) + "\n" for doc in docs)


def _run(path: Path, bundle: str) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, exit code) of `conform validate-data PATH`."""
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "conform", "validate-data"]
    start = time.perf_counter()
    proc = subprocess.run(
        [*command, str(path), "--bundle", bundle],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    assert peak, proc.stderr[-500:]
    return seconds, int(peak.group(1)), proc.returncode


def main() -> None:
    """Measure both files; print peak RSS, documents/s and the ratio large / small."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=3_000)
    parser.add_argument("--large", type=int, default=300_000)
    parser.add_argument("--bundle", default="city-os@1.1")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows, peaks = [], []
        for count in (args.small, args.large):
            path = Path(tmp) / f"{count}.ndjson"
            _write(path, count, args.seed)
            seconds, peak, code = _run(path, args.bundle)
            assert code == 1, f"expected exit 1 (some documents invalid), got {code}"
            peaks.append(peak)
            size = path.stat().st_size / 2**20
            rate = f"{count / seconds:,.0f}"
            rows.append((f"{count:,}", f"{size:.0f} MiB", f"{peak / 1024:.0f} MiB", rate))
    print(table(["documents", "file", "peak RSS", "documents/s (incl. start-up)"], rows))
    print(f"\npeak RSS large / small: {peaks[1] / peaks[0]:.2f} (bounded: close to 1)")


if __name__ == "__main__":
    main()
