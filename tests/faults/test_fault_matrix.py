"""The fault matrix: `conform run` against a proxy breaking one requirement must catch exactly it.

A full certification through the proxy takes ~15-25 s here, too slow for every row, so each
fault runs (through the real CLI, in-process) the requirements of the class it breaks plus a
fixed sample of unrelated ones from every class; the control row runs the whole suite. The
notification tests wait seconds for deliveries and the property-based phase generates many
requests, so those run only in rows about them (and in the control row). Every row also runs
what other tests may need (`shapes.BLOCKERS`): a test blocked by a requirement that did not
run is an error.

Precision: a row's failed requirements are its `expected` plus the `also` a requirement's own
statement implies (each with its reason at the row); the last test checks the spread over all
rows (median 1, at most 3) and prints it. The shape-fault rows (`shapes.py`) prove that no
answer shape turns into an `error` or an exception text in any output.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

import pytest

from conform.bundle import load_bundle
from conform.cli import app
from conform.results import Level
from conform.runner.output import check_report
from faults.faults import FAULTS
from faults.proxy import FaultProxy, Hooks
from faults.rewrites import OPTIONAL, Fault
from faults.shapes import BLOCKERS, SHAPE_ROWS, ShapeFault

# unrelated requirements every row also runs: one or two per class, none waits for anything
SAMPLE = (
    "CORE-002", "CORE-008", "CORE-022", "QRY-001", "QRY-019", "ERR-011", "ERR-017", "DM-003",
    "BAT-005", "SUB-002", "DISC-006",
)  # fmt: skip
SLOW = (
    "SUB-017", "SUB-018", "SUB-019", "SUB-020", "SUB-021", "SUB-022",  # notification waits
    "SUB-023", "SUB-024", "SUB-025", "SUB-026", "SUB-027", "SUB-028",
    "ERR-021", "ERR-022", "ERR-023", "ERR-024",  # the property-based phase
)  # fmt: skip
pytestmark = pytest.mark.slow  # ~5 minutes: about 80 certification runs

CLASS_OF = {r.id: r.cls for r in load_bundle("city-os").requirements}
SHOULD = {r.id for r in load_bundle("city-os").requirements if r.level is Level.SHOULD}


def certify(url: str, out: Path, fault: Fault | None, only: list[str]) -> tuple[int, Any]:
    """Exit code and report.json of `conform run` against URL (a system file if models)."""
    args = ["run", "--url", url, "--out", str(out / "report"), "--seed", "7"]
    if fault is not None and (fault.data_models or fault.system):
        system = out / "system.yaml"
        models = ", ".join(fault.data_models)
        (out / "token").write_text(fault.token)
        system.write_text(f"name: faulty\nurl: {url}\ndata_models: [{models}]\n{fault.system}")
        args += ["--system", str(system)]
    classes = fault.classes if fault is not None else OPTIONAL
    args += [a for c in classes for a in ("--class", c)] + [a for r in only for a in ("--only", r)]
    code = app(args=args, standalone_mode=False)
    return int(code or 0), json.loads((out / "report" / "report.json").read_text())


def by_status(doc: Any, status: str) -> dict[str, str]:
    """Requirement id -> message of every requirement with STATUS."""
    return {r["id"]: r["message"] for r in doc["requirements"] if r["status"] == status}


def selection(fault: Fault) -> list[str]:
    """The requirements a row runs: its class's (the SLOW ones only if expected), SAMPLE."""
    classes = {CLASS_OF[r] for r in fault.expected}
    mine = {r for r, c in CLASS_OF.items() if c in classes and r not in SLOW}
    # what the row's tests may need: a test blocked by a requirement that did not run is an error
    return sorted(mine | set(SAMPLE) | set(fault.expected) | set(BLOCKERS))


def run_fault(fault: Fault, out: Path) -> tuple[int, Any]:
    """`conform run` against a fresh faulty proxy (with the row's own data stored first)."""
    with FaultProxy(fault.hooks, token=fault.token or None) as proxy:
        for entity in fault.preload:
            proxy.reference.store.put_entity(entity)
        return certify(proxy.url, out, fault, selection(fault))


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Any]:
    """The whole suite through a proxy with no fault."""
    with FaultProxy(Hooks()) as proxy:
        return certify(proxy.url, tmp_path_factory.mktemp("control"), None, [])


def test_proxy_without_fault_certifies(control: tuple[int, Any]) -> None:
    code, doc = control
    assert check_report(doc) == []
    assert by_status(doc, "failed") == {}
    musts = {r["id"] for r in doc["requirements"] if r["level"] == "MUST"}
    assert {r: m for r, m in by_status(doc, "error").items() if r in musts} == {}
    assert (doc["verdict"], code) == ("CERTIFIED", 0)


# what an exception's text looks like in a message ("AttributeError: 'list' object has ...")
EXCEPTION_TEXT = re.compile(
    r"Traceback|\b(?!Internal)[A-Z]\w*(Error|Exception): |object has no attribute"
    r"|is not subscriptable|object is not iterable|unhashable type"
)
OUTPUTS = ("report.json", "report.html", "junit.xml", "summary.md")


def exception_texts(out: Path, terminal: str) -> list[str]:
    """Where an exception's text shows in a run's outputs (the evidence is the target's)."""
    texts = {name: (out / "report" / name).read_text() for name in OUTPUTS}
    texts["terminal"] = terminal
    return [
        f"{name}: {m.group(0)}" for name, t in texts.items() for m in EXCEPTION_TEXT.finditer(t)
    ]


def test_the_table_is_well_formed() -> None:
    assert len(FAULTS) >= 30
    assert len({f.name for f in FAULTS}) == len(FAULTS)
    assert all(r in CLASS_OF for f in FAULTS for r in (*f.expected, *f.also))


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_is_caught_and_nothing_else(
    fault: Fault, control: tuple[int, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = run_fault(fault, tmp_path)
    assert exception_texts(tmp_path, "".join(capsys.readouterr())) == []
    failed = by_status(doc, "failed")
    missed = sorted(set(fault.expected) - set(failed))
    assert not missed, f"{fault.name}: {missed} not failed: {_statuses(doc, missed)}"
    unrelated = {r: m for r, m in failed.items() if r not in {*fault.expected, *fault.also}}
    assert not unrelated, f"{fault.name}: unrelated failures {unrelated}"
    known = by_status(control[1], "error")
    new_errors = {r: m for r, m in by_status(doc, "error").items() if r not in known}
    assert not new_errors, f"{fault.name}: errors the proxy introduced {new_errors}"
    if set(fault.expected) <= SHOULD:
        # a SHOULD failure is a warning and never decides: the partial run stays INCOMPLETE
        for req in fault.expected:
            assert any(w.startswith(f"SHOULD {req} failed") for w in doc["warnings"]), doc
        assert (doc["verdict"], code) == ("INCOMPLETE", 3)
    else:
        assert (doc["verdict"], code) == ("NOT_CERTIFIED", 1)


def _statuses(doc: Any, ids: Any) -> dict[str, str]:
    return {
        r["id"]: f"{r['status']}: {r['message']}" for r in doc["requirements"] if r["id"] in ids
    }


def expand(runs: tuple[str, ...]) -> list[str]:
    """Requirement ids of RUNS (classes expanded, the slow ones left out)."""
    ids = {r for r, c in CLASS_OF.items() if c in runs and r not in SLOW}
    return sorted(ids | {r for r in runs if r in CLASS_OF})


@pytest.mark.parametrize("shape", SHAPE_ROWS, ids=[s.name for s in SHAPE_ROWS])
def test_shape_fault_is_passed_failed_or_blocked(
    shape: ShapeFault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FaultProxy(shape.hooks) as proxy:
        certify(proxy.url, tmp_path, Fault(shape.name, (), shape.hooks), expand(shape.runs))
    doc = json.loads((tmp_path / "report" / "report.json").read_text())
    assert check_report(doc) == []
    ran = [r for r in doc["requirements"] if r["status"] != "skipped"]
    odd = {r["id"]: r["message"] for r in ran if r["status"] not in ("passed", "failed", "blocked")}
    assert odd == {}, f"{shape.name}: neither passed, failed nor blocked: {odd}"
    status = {r["id"]: f"{r['status']}: {r['message']}" for r in ran}
    assert {r: status[r] for r in shape.passes if status[r] != "passed: "} == {}
    assert exception_texts(tmp_path, "".join(capsys.readouterr())) == []


def test_one_fault_fails_few_requirements() -> None:
    """Precision: one fault fails a median of 1 requirement, at most 3. A row fails exactly its
    `expected` and at most its `also` (its own assertions), so the table bounds the spread:
    checked here without the rows' results, which pytest-xdist spreads over processes."""
    most = {f.name: len({*f.expected, *f.also}) for f in FAULTS}
    counts = sorted(most.values())
    worst = {n: c for n, c in most.items() if c > 3}
    spread = ", ".join(f"{k}: {counts.count(k)} rows" for k in sorted(set(counts)))
    print(
        f"failed requirements per fault row, at most ({len(counts)} rows): "
        f"median {statistics.median(counts)}, max {counts[-1]} ({spread})"
    )
    assert statistics.median(counts) <= 1 and worst == {}, (statistics.median(counts), worst)
