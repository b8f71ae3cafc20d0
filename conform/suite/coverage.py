"""Which suite tests verify which requirement: `pytest.mark.req(...)` read without importing."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SuiteTest:
    """One test function of a suite: its pytest node id, requirement ids, and read-only mark."""

    nodeid: str
    reqs: tuple[str, ...]
    read_only: bool


def _marks(decorators: list[ast.expr]) -> tuple[list[str], bool]:
    """Requirement ids and the read_only flag from `pytest.mark.*` decorators (or a list)."""
    reqs: list[str] = []
    read_only = False
    for node in decorators:
        call = node.func if isinstance(node, ast.Call) else node
        if not isinstance(call, ast.Attribute):
            continue
        if call.attr == "read_only":
            read_only = True
        elif call.attr == "req" and isinstance(node, ast.Call):
            reqs += [
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
    return reqs, read_only


def _module_marks(tree: ast.Module) -> list[ast.expr]:
    """Marks applied to every test of a module through `pytestmark = ...`."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
        ):
            value = stmt.value
            return list(value.elts) if isinstance(value, ast.List | ast.Tuple) else [value]
    return []


def _tests_in(body: list[ast.stmt], prefix: str, inherited: list[ast.expr]) -> list[SuiteTest]:
    out: list[SuiteTest] = []
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith(
            "test"
        ):
            reqs, read_only = _marks(inherited + stmt.decorator_list)
            out.append(SuiteTest(f"{prefix}::{stmt.name}", tuple(dict.fromkeys(reqs)), read_only))
        elif isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
            out += _tests_in(stmt.body, f"{prefix}::{stmt.name}", inherited + stmt.decorator_list)
    return out


def suite_tests(suite_dir: Path) -> list[SuiteTest]:
    """Every `test_*.py` test of SUITE_DIR, node ids relative to it (as the runner collects)."""
    out: list[SuiteTest] = []
    for file in sorted(suite_dir.rglob("test_*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        out += _tests_in(tree.body, file.relative_to(suite_dir).as_posix(), _module_marks(tree))
    return out


def suite_coverage(suite_dir: Path) -> dict[str, list[str]]:
    """Requirement id -> node ids of the tests marked with it."""
    coverage: dict[str, list[str]] = {}
    for test in suite_tests(suite_dir):
        for req in test.reqs:
            coverage.setdefault(req, []).append(test.nodeid)
    return coverage
