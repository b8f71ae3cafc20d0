"""The NGSI v2 fault matrix: `conform run --bundle city-os-v2` against a proxy breaking one v2
requirement must catch exactly it; through a proxy without a fault it certifies.

Every requirement has a row. A row runs the class it breaks plus a fixed sample of the others
(like the NGSI-LD matrix); the notification tests, which wait for deliveries (and some for a
quiet period), and the property-based phase run only in rows about them, the phase with two
examples per operation. The control row runs everything.
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
from faults.v2_entities import ENTITY_ROWS, ERROR_ROWS, QUERY_ROWS
from faults.v2_optional import (
    BATCH_ROWS,
    DISCOVERY_ROWS,
    SUBSCRIPTION_ROWS,
    TENANCY_ROWS,
)

BUNDLE = load_bundle("city-os-v2")
CLASS_OF = {r.id: r.cls for r in BUNDLE.requirements}
SHOULD = {r.id for r in BUNDLE.requirements if r.level is Level.SHOULD}
PROPERTY = ("ERR-021", "ERR-022", "ERR-023")  # the property-based phase
# the notification tests: each waits for deliveries, some for a quiet period after them
NOTIFIED = (*(f"SUB-{n:03}" for n in range(8, 20)), "TEN-008")
SLOW = (*PROPERTY, *NOTIFIED)
# unrelated requirements every row also runs: one or two per class, none waits for anything
SAMPLE = (
    "CORE-002", "CORE-013", "QRY-006", "QRY-027", "ERR-003", "ERR-014", "DM-002", "BAT-005",
    "SUB-004", "DISC-003", "TEN-003",
)  # fmt: skip
ROWS = (
    *V2_ROWS, *ENTITY_ROWS, *QUERY_ROWS, *ERROR_ROWS, *BATCH_ROWS, *SUBSCRIPTION_ROWS,
    *DISCOVERY_ROWS, *TENANCY_ROWS,
)  # fmt: skip
pytestmark = pytest.mark.slow


def certify(url: str, out: Path, only: list[str], examples: int = 0) -> tuple[int, Any]:
    """Exit code and report.json of `conform run --bundle city-os-v2` against URL, declaring
    every optional class, every model and a Fiware-Service (`tenant:`); EXAMPLES per operation
    in the property-based phase (0: the default)."""
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
    args += ["--max-examples", str(examples)] if examples else []
    code = app(args=args, standalone_mode=False)
    return int(code or 0), json.loads((out / "report" / "report.json").read_text())


def by_status(doc: Any, status: str) -> dict[str, str]:
    """Requirement id -> message of every requirement with STATUS."""
    return {r["id"]: r["message"] for r in doc["requirements"] if r["status"] == status}


def selection(fault: Fault) -> list[str]:
    """The requirements a row runs: its class's (the SLOW ones only if expected), SAMPLE; every
    requirement the property-based phase judges if it runs."""
    classes = {CLASS_OF[r] for r in fault.expected}
    mine = {r for r, c in CLASS_OF.items() if c in classes and r not in SLOW}
    phase = set(PROPERTY) if set(PROPERTY) & set(fault.expected) else set()
    return sorted(mine | set(SAMPLE) | set(fault.expected) | phase)


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


def test_every_requirement_has_a_row() -> None:
    assert len({f.name for f in ROWS}) == len(ROWS)
    assert all(r in CLASS_OF for f in ROWS for r in (*f.expected, *f.also))
    assert {r for f in ROWS for r in f.expected} == set(CLASS_OF)
    assert not set(SAMPLE) & set(SLOW)


@pytest.mark.parametrize("fault", ROWS, ids=[f.name for f in ROWS])
def test_v2_fault_is_caught_and_nothing_else(fault: Fault, tmp_path: Path) -> None:
    examples = 2 if set(fault.expected) & set(PROPERTY) else 0
    with FaultProxy(fault.hooks, BUNDLE) as proxy:
        code, doc = certify(proxy.url, tmp_path, selection(fault), examples)
    failed = by_status(doc, "failed")
    missed = sorted(set(fault.expected) - set(failed))
    assert not missed, (
        f"{fault.name}: {missed} not failed: {by_status(doc, 'passed').keys() & missed}"
    )
    unrelated = {r: m for r, m in failed.items() if r not in {*fault.expected, *fault.also}}
    assert not unrelated, f"{fault.name}: unrelated failures {unrelated}"
    assert by_status(doc, "error") == {}, f"{fault.name}: errors the proxy introduced"
    if set(fault.expected) <= SHOULD:
        assert (doc["verdict"], code) == ("INCOMPLETE", 3)
    else:
        assert (doc["verdict"], code) == ("NOT_CERTIFIED", 1)
