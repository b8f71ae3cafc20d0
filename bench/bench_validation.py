"""Data-model validation throughput: conform's ModelSet vs naive jsonschema.validate vs raw rs.

Three corpora of the same generator: mixed (10% invalid), all valid, all invalid. The invalid
one measures the error path (violations with pointers and messages), the valid one the verdict
path; each is compared with raw jsonschema-rs doing the same job in the same run.
"""

from __future__ import annotations

import argparse
import gc
import random
from importlib.metadata import version
from typing import Any

import jsonschema
from _common import median, table, timed

from conform.bundle import load_bundle
from conform.datamodels import ModelSet

MODELS = ("Streetlight", "AirQualityObserved")
STATUS = ["ok", "defectiveLamp", "columnIssue", "brokenLantern"]


def entity(rng: random.Random, n: int, invalid: bool) -> dict[str, Any]:
    """One key-values entity; INVALID ones break one rule (range, enum, type or required)."""
    point = {"type": "Point", "coordinates": [rng.uniform(139, 140), rng.uniform(35, 36)]}
    when = f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
    if n % 2:
        doc: dict[str, Any] = {
            "id": f"urn:ngsi-ld:Streetlight:{n}", "type": "Streetlight", "location": point,
            "status": rng.choice(STATUS), "powerState": rng.choice(["on", "off", "low"]),
            "illuminanceLevel": rng.random(), "lanternHeight": rng.uniform(3, 12),
            "powerConsumption": rng.uniform(0, 500), "dateLastLampChange": when,
            "refDevice": [f"urn:ngsi-ld:Device:{n}-{i}" for i in range(rng.randint(1, 3))],
        }  # fmt: skip
        breaks = [("illuminanceLevel", 1.5), ("status", "melted"), ("lanternHeight", "tall")]
    else:
        doc = {
            "id": f"urn:ngsi-ld:AirQualityObserved:{n}", "type": "AirQualityObserved",
            "location": point, "dateObserved": when, "temperature": rng.uniform(-5, 35),
            "relativeHumidity": rng.random(), "no2": rng.uniform(0, 80), "pm10": rng.uniform(0, 60),
            "pm25": rng.uniform(0, 40), "airQualityLevel": rng.choice(["good", "moderate"]),
            "reliability": rng.random(), "refDevice": f"urn:ngsi-ld:Device:{n}",
        }  # fmt: skip
        breaks = [("relativeHumidity", 3), ("no2", "high"), ("reliability", -1)]
    if invalid:
        key, value = rng.choice([*breaks, ("location", None)])
        if value is None:
            del doc[key]  # a required member missing
        else:
            doc[key] = value
    return doc


def corpus(count: int, invalid_share: float, seed: int) -> list[dict[str, Any]]:
    """COUNT entities of the two models, about INVALID_SHARE of them invalid."""
    rng = random.Random(seed)
    return [entity(rng, n, rng.random() < invalid_share) for n in range(count)]


def _rates(paths: dict[str, tuple[Any, int]], repeat: int) -> dict[str, float]:
    """Median documents/s of each path (interleaved runs, so noise hits every path alike)."""
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeat):
        for name, (fn, count) in paths.items():
            secs, _ = timed(fn)
            rates[name].append(count / secs)
    return {name: median(r) for name, r in rates.items()}


def main() -> None:
    """Measure each path a few times; print documents per second and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", default="city-os@1.1")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--invalid", type=float, default=0.1, help="share of invalid documents")
    parser.add_argument("--naive-sample", type=int, default=500, help="docs for the naive loop")
    parser.add_argument("--slow-sample", type=int, default=2_000, help="docs for fast=False")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bundle = load_bundle(args.bundle)
    mixed = corpus(args.count, args.invalid, args.seed)
    valid, invalid = corpus(args.count, 0.0, args.seed), corpus(args.count, 1.0, args.seed)
    fast, slow = ModelSet.from_bundle(bundle), ModelSet.from_bundle(bundle, fast=False)
    for models in (fast, slow):  # compile outside the timed loops (once per run in conform)
        for name in MODELS:
            models.validate({"type": name}, name)
    # The corpora (millions of objects) stay alive for the whole run; conform streams documents
    # and keeps none. Frozen, the collector does not re-walk them whenever a path allocates.
    gc.freeze()
    assert not any(fast.validate(d) for d in valid[:1000]), "the valid corpus must be valid"
    assert all(fast.validate(d) for d in invalid[:1000]), "the invalid corpus must be invalid"
    schemas = {name: slow.schema(name) for name in MODELS}
    raw = {name: fast._fast_validator(name) for name in MODELS}
    sample = mixed[: args.naive_sample]
    slow_mixed, slow_invalid = mixed[: args.slow_sample], invalid[: args.slow_sample]

    def naive() -> int:
        bad = 0
        for doc in sample:
            try:  # jsonschema.validate checks the schema and builds a validator every call
                jsonschema.validate(doc, schemas[doc["type"]], registry=slow.registry)
            except jsonschema.ValidationError:
                bad += 1
        return bad

    def conform_on(models: ModelSet, docs: list[dict[str, Any]]) -> Any:
        return lambda: sum(bool(models.validate(d)) for d in docs)

    n = len(mixed)
    rates = _rates(
        {
            "naive": (naive, len(sample)),
            "mixed conform": (conform_on(fast, mixed), n),
            "mixed conform fast=False": (conform_on(slow, slow_mixed), len(slow_mixed)),
            "valid conform": (conform_on(fast, valid), n),
            "valid raw is_valid": (lambda: sum(raw[d["type"]].is_valid(d) for d in valid), n),
            "invalid conform": (conform_on(fast, invalid), n),
            "invalid conform fast=False": (conform_on(slow, slow_invalid), len(slow_invalid)),
            "invalid raw iter_errors": (
                lambda: sum(len(list(raw[d["type"]].iter_errors(d))) for d in invalid),
                n,
            ),
        },
        args.repeat,
    )
    versions = ", ".join(f"{p} {version(p)}" for p in ("jsonschema", "jsonschema-rs"))
    print(f"{args.bundle}: {n} documents per corpus ({', '.join(MODELS)}), "
          f"median of {args.repeat}; {versions}")  # fmt: skip
    base = rates["naive"]
    rows = [
        (label, f"{rates[key]:,.0f}", f"{rates[key] / rates[ref]:.2f}x vs {ref}")
        for label, key, ref in [
            (f"naive jsonschema.validate, mixed ({len(sample)} docs)", "naive", "naive"),
            ("conform, mixed (accelerator, default)", "mixed conform", "naive"),
            (
                f"conform, mixed (jsonschema only, fast=False, {len(slow_mixed)} docs)",
                "mixed conform fast=False",
                "naive",
            ),
            ("conform, all valid (accelerator)", "valid conform", "valid raw is_valid"),
            ("raw jsonschema_rs is_valid, all valid", "valid raw is_valid", "valid raw is_valid"),
            ("conform, all invalid (accelerator)", "invalid conform", "invalid raw iter_errors"),
            (
                f"conform, all invalid (jsonschema only, {len(slow_invalid)} docs)",
                "invalid conform fast=False",
                "invalid conform",
            ),
            ("raw jsonschema_rs iter_errors, all invalid", "invalid raw iter_errors", "naive"),
        ]
    ]
    print(table(["path", "documents/s", "ratio"], rows))
    print(f"\nconform mixed / naive loop: {rates['mixed conform'] / base:.1f}x (target >= 20x)")
    print(
        f"conform all invalid / jsonschema only: "
        f"{rates['invalid conform'] / rates['invalid conform fast=False']:.1f}x; "
        f"{rates['invalid conform']:,.0f} invalid documents/s (target >= 50,000)"
    )


if __name__ == "__main__":
    main()
