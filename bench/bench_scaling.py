"""How the property-based phase grows with the operations in the OpenAPI and with max-examples."""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from _common import OPENAPI, median, table
from _server import counting_server, request_count

from conform.evidence import EvidenceLog
from conform.fuzz import FuzzSettings, run_property_phase
from conform.http import Client
from conform.namespace import Namespace

_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def subset(raw: dict[str, Any], count: int) -> dict[str, Any]:
    """RAW with only its first COUNT operations (document order), components kept."""
    cut, kept = copy.deepcopy(raw), 0
    for path, item in list(cut["paths"].items()):
        for method in [m for m in item if m in _METHODS]:
            if kept >= count:
                del item[method]
            else:
                kept += 1
        if not any(m in _METHODS for m in item):
            del cut["paths"][path]
    return cut


def operations(raw: dict[str, Any]) -> int:
    """The number of operations in an OpenAPI document."""
    return sum(m in _METHODS for item in raw["paths"].values() for m in item)


def point(openapi: Path, seed: int, max_examples: int, repeat: int) -> tuple[float, int]:
    """Median wall seconds and requests of the phase over REPEAT fresh servers."""
    walls, counts = [], []
    for _ in range(repeat):
        with counting_server() as root:
            evidence, namespace = EvidenceLog(), Namespace.new()
            with Client(root, evidence=evidence, namespace=namespace, timeout=10) as client:
                settings = FuzzSettings(seed=seed, max_examples=max_examples)
                start = time.perf_counter()
                run_property_phase(openapi, client, namespace=namespace, settings=settings)
                walls.append(time.perf_counter() - start)
            counts.append(request_count(root))
    return median(walls), int(median(counts))


def main() -> None:
    """Print one table per axis, with seconds per request and growth against the first point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", default="5,10,21")
    parser.add_argument("--examples", default="1,3,10,25")
    parser.add_argument("--ops-max-examples", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    raw = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    print(f"{OPENAPI.name}: {operations(raw)} operations; seed {args.seed}; median of "
          f"{args.repeat}; phase in-process, reference server in a child process")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for count in (int(n) for n in args.ops.split(",")):
            cut = Path(tmp) / f"openapi-{count}.yaml"
            cut.write_text(yaml.safe_dump(subset(raw, count)), encoding="utf-8")
            wall, requests = point(cut, args.seed, args.ops_max_examples, args.repeat)
            rows.append((count, wall, requests))
            print(f"  ops {count}: {wall:.2f}s, {requests} requests", flush=True)
    print(f"\nby operations (max-examples {args.ops_max_examples}):")
    print(render(rows, "operations"))
    rows = []
    for n in (int(n) for n in args.examples.split(",")):
        wall, requests = point(OPENAPI, args.seed, n, args.repeat)
        rows.append((n, wall, requests))
        print(f"  max-examples {n}: {wall:.2f}s, {requests} requests", flush=True)
    print(f"\nby max-examples ({operations(raw)} operations):")
    print(render(rows, "max-examples"))


def render(rows: list[tuple[int, float, int]], axis: str) -> str:
    """A table of points with their growth against the first point."""
    x0, t0, _ = rows[0]
    return table(
        [axis, "wall s", "requests", "ms/request", f"time x vs {axis}={x0}"],
        [(x, f"{t:.2f}", r, f"{1000 * t / max(r, 1):.1f}", f"{t / t0:.1f}") for x, t, r in rows],
    )


if __name__ == "__main__":
    main()
