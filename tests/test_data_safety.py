"""Do no harm: a full certification leaves 500 unrelated entities byte-identical and cleans up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from conform.bundle import load_bundle
from conform.cli import app
from conform.datamodels import ModelSet
from conform.reference import ReferenceServer

POINT = {"type": "Point", "coordinates": [139.7, 35.68]}
WHEN = "2026-11-20T08:00:00Z"
# valid key-values entities of every published model (checked against the bundle below)
MODELS: dict[str, dict[str, Any]] = {
    "OffStreetParking": {"name": "Vendor car park", "totalSpotNumber": 80},
    "ParkingSpot": {"status": "occupied", "category": ["onStreet"],
                    "refParkingSite": "urn:ngsi-ld:OffStreetParking:city-0"},
    "AirQualityObserved": {"dateObserved": WHEN, "no2": 31.0},
    "WeatherObserved": {"dateObserved": WHEN, "temperature": 9.5},
    "Streetlight": {"status": "ok", "powerState": "off"},
    "EVChargingStation": {"capacity": 6, "socketNumber": 6, "socketType": ["Type2"],
                          "allowedVehicleType": ["car"]},
}  # fmt: skip
# non-model types, including the base name the suites build their probe types from
OTHER_TYPES = ("ConformProbe", "Device", "Building", "ConformProbeP", "Vehicle")


def _normalized(kv: dict[str, Any]) -> dict[str, Any]:
    """Key-values to normalized: location is a GeoProperty, refXxx a Relationship."""
    out: dict[str, Any] = {"id": kv["id"], "type": kv["type"]}
    for name, value in kv.items():
        if name == "location":
            out[name] = {"type": "GeoProperty", "value": value}
        elif name.startswith("ref"):
            out[name] = {"type": "Relationship", "object": value}
        elif name not in ("id", "type"):
            out[name] = {"type": "Property", "value": value}
    return out


def vendor_entities(count: int) -> list[dict[str, Any]]:
    """COUNT key-values entities of the city's own (ids outside any run namespace)."""
    types = [*MODELS, *OTHER_TYPES]
    out = []
    for n in range(count):
        kind = types[n % len(types)]
        extra = MODELS.get(kind, {"temperature": n / 10, "temperature_unit": "CEL", "seq": n})
        out.append({"id": f"urn:ngsi-ld:{kind}:city-{n}", "type": kind, "location": POINT, **extra})
    return out


def snapshot(server: ReferenceServer) -> str:
    """Everything the server stores, canonically serialised."""
    return json.dumps(server.store.snapshot(), sort_keys=True)


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Ids stored before or after whose stored form differs (added, removed or changed)."""
    out = []
    for kind in ("entities", "subscriptions"):
        old, new = before[kind], after[kind]
        out += [f"{kind} {i}" for i in sorted(set(old) | set(new)) if old.get(i) != new.get(i)]
    return out


def vendor_subscription(server: ReferenceServer, n: int) -> None:
    """A subscription of the city's own, on a type the run never writes."""
    body = {
        "id": f"urn:ngsi-ld:Subscription:city-{n}",
        "type": "Subscription",
        "entities": [{"type": "VendorOnlyType"}],
        "notification": {"endpoint": {"uri": "http://127.0.0.1:9/notify"}},
    }
    r = requests.post(f"{server.url}/ngsi-ld/v1/subscriptions", json=body, timeout=10)
    assert r.status_code == 201, r.text


@pytest.mark.slow
def test_full_certification_leaves_vendor_data_untouched(tmp_path: Path) -> None:
    models = ModelSet.from_bundle(load_bundle("city-os"))
    entities = vendor_entities(500)
    for entity in entities:
        if entity["type"] in MODELS:
            assert not models.validate(entity, entity["type"]), entity  # the fixture is valid
    with ReferenceServer(port=0) as server:
        for entity in entities:
            server.store.put_entity(_normalized(entity))
        for n in range(3):
            vendor_subscription(server, n)
        before = snapshot(server)
        args = ["run", "--url", server.url, "--out", str(tmp_path), "--seed", "5"]
        args += ["--class", "batch", "--class", "subscriptions", "--class", "discovery"]
        code = app(args=args, standalone_mode=False)
        after = snapshot(server)
        stored = server.store.snapshot()
    if after != before:
        pytest.fail(f"vendor data changed: {changes(json.loads(before), json.loads(after))[:5]}")
    left = [i for kind in ("entities", "subscriptions") for i in stored[kind] if "conform-" in i]
    assert left == []
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["leftovers"] == []
    # unrelated data must not make a conformant server fail either
    problems = [
        r
        for r in report["requirements"]
        if r["status"] == "failed" or (r["status"] == "error" and r["level"] == "MUST")
    ]
    assert [f"{r['id']} {r['status']}: {r['message']}" for r in problems][:5] == []
    assert (report["verdict"], code) == ("CERTIFIED", 0)
