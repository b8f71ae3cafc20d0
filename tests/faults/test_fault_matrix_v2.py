"""The NGSI v2 fault matrix: `conform run --bundle city-os-v2` against a proxy breaking one v2
requirement must catch exactly it; through a proxy without a fault it certifies.

The v2 suite is quick (a few seconds), so every row runs all of it but the property-based
phase and the notification waits, unless the row is about them; the control row runs all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conform.bundle import load_bundle
from conform.cli import app
from conform.results import Level
from conform.runner.output import check_report
from faults.proxy import FaultProxy, Hooks
from faults.rewrites import Fault
from faults.v2 import OPTIONAL_V2, V2_ROWS

BUNDLE = load_bundle("city-os-v2")
CLASS_OF = {r.id: r.cls for r in BUNDLE.requirements}
SHOULD = {r.id for r in BUNDLE.requirements if r.level is Level.SHOULD}
PROPERTY = ("ERR-021", "ERR-022", "ERR-023")  # the property-based phase
pytestmark = pytest.mark.slow


def certify(url: str, out: Path, only: list[str]) -> tuple[int, Any]:
    """Exit code and report.json of `conform run --bundle city-os-v2` against URL, declaring
    every optional class, every model and a Fiware-Service (`tenant:`)."""
    system = out / "system.yaml"
    models = ", ".join(sorted(BUNDLE.model_paths()))
    classes = ", ".join(OPTIONAL_V2)
    system.write_text(
        f"name: faulty-v2\nurl: {url}\ntenant: conform\nclasses: [{classes}]\n"
        f"data_models: [{models}]\n"
    )
    args = ["run", "--bundle", "city-os-v2", "--system", str(system)]
    args += ["--out", str(out / "report"), "--seed", "7"]
    args += [a for r in only for a in ("--only", r)]
    code = app(args=args, standalone_mode=False)
    return int(code or 0), json.loads((out / "report" / "report.json").read_text())


def by_status(doc: Any, status: str) -> dict[str, str]:
    """Requirement id -> message of every requirement with STATUS."""
    return {r["id"]: r["message"] for r in doc["requirements"] if r["status"] == status}


def selection(fault: Fault) -> list[str]:
    """Every requirement but the property-based ones (unless the row is about them)."""
    return sorted(r for r in CLASS_OF if r not in PROPERTY or r in fault.expected)


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Any]:
    """The whole v2 suite and the property-based phase through a proxy with no fault."""
    with FaultProxy(Hooks(), BUNDLE) as proxy:
        return certify(proxy.url, tmp_path_factory.mktemp("control-v2"), [])


def test_proxy_without_fault_certifies(control: tuple[int, Any]) -> None:
    code, doc = control
    assert check_report(doc) == []
    assert by_status(doc, "failed") == {} and by_status(doc, "error") == {}
    assert {r["id"] for r in doc["requirements"] if r["status"] == "passed"} == set(CLASS_OF)
    assert (doc["verdict"], code) == ("CERTIFIED", 0)


def test_every_class_has_a_row() -> None:
    assert len({f.name for f in V2_ROWS}) == len(V2_ROWS)
    assert all(r in CLASS_OF for f in V2_ROWS for r in (*f.expected, *f.also))
    assert {CLASS_OF[r] for f in V2_ROWS for r in f.expected} == {c.id for c in BUNDLE.classes}


@pytest.mark.parametrize("fault", V2_ROWS, ids=[f.name for f in V2_ROWS])
def test_v2_fault_is_caught_and_nothing_else(fault: Fault, tmp_path: Path) -> None:
    with FaultProxy(fault.hooks, BUNDLE) as proxy:
        code, doc = certify(proxy.url, tmp_path, selection(fault))
    failed = by_status(doc, "failed")
    missed = sorted(set(fault.expected) - set(failed))
    assert not missed, f"{fault.name}: {missed} not failed"
    unrelated = {r: m for r, m in failed.items() if r not in {*fault.expected, *fault.also}}
    assert not unrelated, f"{fault.name}: unrelated failures {unrelated}"
    assert by_status(doc, "error") == {}, f"{fault.name}: errors the proxy introduced"
    if set(fault.expected) <= SHOULD:
        assert (doc["verdict"], code) == ("INCOMPLETE", 3)
    else:
        assert (doc["verdict"], code) == ("NOT_CERTIFIED", 1)
