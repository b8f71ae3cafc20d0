"""Do-no-harm for the v2 suites: 500 vendor entities under a Fiware-Service stay byte-identical.

The whole city-os-v2 suite runs (plain pytest, in a subprocess; and `conform run` with the
property-based phase, whose generated op/update bodies name entities) against a v2 reference
server holding the vendor's data; afterwards that data is unchanged and nothing of the run is left.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conform.cli import app
from conform.reference.ngsi_v2 import ReferenceServerV2
from conform.reference.ngsi_v2.entity import Entity

ROOT = Path(__file__).resolve().parents[2]


def _vendor_data(server: ReferenceServerV2) -> None:
    tenant = server.store.tenant("city")
    for n in range(500):
        kind = ("Streetlight", "Room", "OffStreetParking")[n % 3]
        attrs: dict[str, dict[str, Any]] = {
            "status": {"type": "Text", "value": "ok", "metadata": {}},
            "n": {"type": "Number", "value": n, "metadata": {}},
        }
        entity = Entity(f"vendor-{n}", kind, "/" if n % 2 else "/district/north", attrs)
        server.store.add(tenant, entity)


def _snapshot(server: ReferenceServerV2) -> dict[str, object]:
    with server.store.lock:
        tenant = server.store.tenant("city")
        return copy.deepcopy({f"{k}": vars(e) for k, e in tenant.entities.items()})


def test_vendor_entities_survive_a_full_suite_run(tmp_path: Path) -> None:
    with ReferenceServerV2() as server:
        _vendor_data(server)
        before = _snapshot(server)
        system = tmp_path / "system.yaml"
        classes = "[batch, subscriptions, discovery, multi-tenancy]"
        system.write_text(f"name: vendor\nurl: {server.url}\ntenant: city\nclasses: {classes}\n")
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "suites/city-os-v2",
                "-q",
                "-p",
                "no:cacheprovider",
                "--conform-system",
                str(system),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ},
        )
        assert run.returncode == 0, run.stdout[-3000:]
        after = _snapshot(server)
        with server.store.lock:
            left = [
                k for t in server.store.tenants.values() for k in t.entities if "conform-" in k[1]
            ]
            subscriptions = [s for t in server.store.tenants.values() for s in t.subscriptions]
    assert after == before
    assert left == [], f"the run left {len(left)} entities, e.g. {left[:3]}"
    assert subscriptions == [], f"the run left {len(subscriptions)} subscriptions"


def _left(server: ReferenceServerV2) -> tuple[list[Any], list[Any]]:
    """Entities and subscriptions of the run still stored, in any service."""
    with server.store.lock:
        tenants = server.store.tenants.values()
        entities = [k for t in tenants for k in t.entities if "conform-" in k[1]]
        return entities, [s for t in tenants for s in t.subscriptions]


@pytest.mark.slow
def test_vendor_entities_survive_conform_run_with_the_property_phase(tmp_path: Path) -> None:
    with ReferenceServerV2() as server:
        _vendor_data(server)
        before = _snapshot(server)
        system = tmp_path / "system.yaml"
        classes = "[batch, subscriptions, discovery, multi-tenancy]"
        system.write_text(f"name: vendor\nurl: {server.url}\ntenant: city\nclasses: {classes}\n")
        args = ["run", "--bundle", "city-os-v2", "--system", str(system), "--seed", "11"]
        code = app(args=[*args, "--out", str(tmp_path / "out")], standalone_mode=False)
        assert code == 0
        assert _snapshot(server) == before
        assert _left(server) == ([], [])
