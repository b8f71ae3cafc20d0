"""Requests per second: conform's property-based phase vs `schemathesis run`, same spec and seed.

Both run as child processes (startup included) against a fresh counting reference server in a
third process; requests are counted by the server, so both sides are counted the same way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import OPENAPI, VENV_BIN, median, table
from _server import counting_server, request_count


def conform_child(root: str, openapi: Path, seed: int, max_examples: int) -> None:
    """In a child process: run the property-based phase once, print its own timing as JSON."""
    from conform.evidence import EvidenceLog
    from conform.fuzz import FuzzSettings, run_property_phase
    from conform.http import Client
    from conform.namespace import Namespace

    start = time.perf_counter()
    evidence, namespace = EvidenceLog(), Namespace.new()
    with Client(root, evidence=evidence, namespace=namespace, timeout=10) as client:
        settings = FuzzSettings(seed=seed, max_examples=max_examples)
        run_property_phase(openapi, client, namespace=namespace, settings=settings)
    phase = time.perf_counter() - start
    print(json.dumps({"phase_s": phase, "exchanges": len(evidence.exchanges())}))


def run_conform(root: str, openapi: Path, seed: int, max_examples: int) -> tuple[float, dict]:
    """(child wall seconds, the child's own figures)."""
    argv = [sys.executable, __file__, "--child", root, "--openapi", str(openapi),
            "--seed", str(seed), "--max-examples", str(max_examples)]  # fmt: skip
    start = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - start, json.loads(out.splitlines()[-1])


def run_schemathesis(root: str, openapi: Path, seed: int, max_examples: int) -> float:
    """Wall seconds of `schemathesis run` with settings matching conform's phase."""
    argv = [str(VENV_BIN / "schemathesis"), "run", str(openapi), "--url", f"{root}/ngsi-ld/v1",
            "--seed", str(seed), "--max-examples", str(max_examples), "--phases", "fuzzing",
            "--mode", "all", "--workers", "1", "--no-shrink", "--generation-database", "none",
            "--continue-on-failure", "--generation-allow-x00", "false",
            "--generation-codec", "utf-8", "--no-color"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:  # its report folder, if any, lands there
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, text=True, cwd=tmp, check=False)
        return time.perf_counter() - start


def main() -> None:
    """Alternate the two tools a few times; print requests/s each and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openapi", type=Path, default=OPENAPI)
    parser.add_argument("--child", metavar="ROOT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        conform_child(args.child, args.openapi, args.seed, args.max_examples)
        return
    rows: dict[str, list[tuple[float, int]]] = {"conform": [], "schemathesis": []}
    phase: list[float] = []
    for i in range(args.repeat):
        with counting_server() as root:
            wall, inner = run_conform(root, args.openapi, args.seed, args.max_examples)
            rows["conform"].append((wall, request_count(root)))
            phase.append(inner["phase_s"])
        with counting_server() as root:
            wall = run_schemathesis(root, args.openapi, args.seed, args.max_examples)
            rows["schemathesis"].append((wall, request_count(root)))
        print(f"round {i}: conform {rows['conform'][-1]}, schemathesis {rows['schemathesis'][-1]}"
              f" (seconds, requests)", flush=True)  # fmt: skip
    rps = {k: median(n / w for w, n in v) for k, v in rows.items()}
    print(f"\n{args.openapi.name}, seed {args.seed}, max-examples {args.max_examples}, positive+"
          f"negative, 1 worker, no shrinking, no example db; median of {args.repeat}")  # fmt: skip
    print(table(
        ["tool", "wall s (incl. startup)", "requests", "requests/s"],
        [(k, f"{median(w for w, _ in v):.2f}", int(median(n for _, n in v)), f"{rps[k]:.1f}")
         for k, v in rows.items()],
    ))  # fmt: skip
    print(f"conform phase alone (in-process, excl. interpreter start): {median(phase):.2f}s")
    ratio = rps["conform"] / rps["schemathesis"]
    print(f"\nconform / schemathesis requests per second: {ratio:.2f} (target >= 1.0)")


if __name__ == "__main__":
    main()
