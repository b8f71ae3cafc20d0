"""Data-model validation throughput: conform's ModelSet vs naive jsonschema.validate vs raw rs."""

from __future__ import annotations

import argparse
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
            "refDevice": [f"urn:ngsi-ld:Device:{n}-{i}" for i in range(rng.randint(0, 3))],
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


def main() -> None:
    """Measure each path a few times; print documents per second and ratios to the naive loop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--invalid", type=float, default=0.1, help="share of invalid documents")
    parser.add_argument("--naive-sample", type=int, default=1_000, help="docs for the naive loop")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bundle = load_bundle("city-os")
    docs = corpus(args.count, args.invalid, args.seed)
    fast, slow = ModelSet.from_bundle(bundle), ModelSet.from_bundle(bundle, fast=False)
    for models in (fast, slow):  # compile outside the timed loops (once per run in conform)
        for name in MODELS:
            models.validate({"type": name}, name)
    schemas = {name: slow.schema(name) for name in MODELS}
    raw = {name: fast._fast_validator(name) for name in MODELS}
    sample = docs[: args.naive_sample]

    def naive() -> int:
        bad = 0
        for doc in sample:
            try:  # jsonschema.validate checks the schema and builds a validator every call
                jsonschema.validate(doc, schemas[doc["type"]], registry=slow.registry)
            except jsonschema.ValidationError:
                bad += 1
        return bad

    paths = {
        "conform ModelSet.validate (jsonschema-rs accelerator)": lambda: sum(
            bool(fast.validate(d)) for d in docs
        ),
        "conform ModelSet.validate (jsonschema only, fast=False)": lambda: sum(
            bool(slow.validate(d)) for d in docs
        ),
        "raw jsonschema_rs is_valid (verdict only, no messages)": lambda: sum(
            not raw[d["type"]].is_valid(d) for d in docs
        ),
    }
    rates: dict[str, list[float]] = {name: [] for name in ["naive", *paths]}
    invalid: dict[str, int] = {}
    for _ in range(args.repeat):  # interleaved, so machine noise hits every path alike
        secs, invalid["naive"] = timed(naive)
        rates["naive"].append(len(sample) / secs)
        for name, fn in paths.items():
            secs, invalid[name] = timed(fn)
            rates[name].append(len(docs) / secs)
    base = median(rates["naive"])
    rows = [
        (
            f"naive jsonschema.validate per document ({len(sample)} docs)" if n == "naive" else n,
            f"{median(r):,.0f}",
            f"{median(r) / base:.1f}x",
            invalid[n],
        )
        for n, r in rates.items()
    ]
    versions = ", ".join(f"{p} {version(p)}" for p in ("jsonschema", "jsonschema-rs"))
    print(f"{args.count} documents ({', '.join(MODELS)}), {args.invalid:.0%} invalid, "
          f"median of {args.repeat}; {versions}")  # fmt: skip
    print(table(["path", "documents/s", "vs naive", "invalid found"], rows))
    ratio = median(rates[next(iter(paths))]) / base
    print(f"\nconform (default path) / naive loop: {ratio:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
