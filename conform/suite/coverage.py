"""Which suite tests verify which requirement: `pytest.mark.req(...)` read without importing.

Marks count where pytest applies them: on the function, its class, the module's `pytestmark`,
and on the cases of `pytest.mark.parametrize` (`pytest.param(..., marks=pytest.mark.req(X))`),
also through a module-level name (`CASES = [...]`, `_READ = pytest.mark.read_only`).
"""

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


Names = dict[str, ast.expr]  # module-level `NAME = value` assignments


def _resolve(node: ast.expr, names: Names) -> ast.expr:
    """NODE, or the value a module-level name stands for."""
    seen: set[str] = set()
    while isinstance(node, ast.Name) and node.id in names and node.id not in seen:
        seen.add(node.id)
        node = names[node.id]
    return node


def _marks(decorators: list[ast.expr], names: Names) -> tuple[list[str], bool]:
    """Requirement ids and the read_only flag from `pytest.mark.*` decorators (or a list)."""
    reqs: list[str] = []
    read_only = False
    for node in (_resolve(d, names) for d in decorators):
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


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _cases(decorators: list[ast.expr], names: Names) -> list[tuple[str, list[ast.expr]]]:
    """(id, marks) of every `pytest.param` case of the function's parametrize decorators."""
    out: list[tuple[str, list[ast.expr]]] = []
    for node in decorators:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "parametrize":
            continue
        values = node.args[1] if len(node.args) > 1 else _keyword(node, "argvalues")
        values = _resolve(values, names) if values is not None else None
        if not isinstance(values, ast.List | ast.Tuple):
            continue
        for case in (_resolve(v, names) for v in values.elts):
            if not (isinstance(case, ast.Call) and isinstance(case.func, ast.Attribute)):
                continue
            if case.func.attr != "param":
                continue
            marks, ident = _keyword(case, "marks"), _keyword(case, "id")
            marks = _resolve(marks, names) if marks is not None else None
            listed = list(marks.elts) if isinstance(marks, ast.List | ast.Tuple) else [marks]
            label = ident.value if isinstance(ident, ast.Constant) else ""
            out.append((str(label or ""), [m for m in listed if m is not None]))
    return out


def _function_tests(
    stmt: ast.FunctionDef | ast.AsyncFunctionDef,
    nodeid: str,
    inherited: list[ast.expr],
    names: Names,
) -> list[SuiteTest]:
    """The function's test, and one per parametrize case that marks requirements of its own."""
    reqs, read_only = _marks(inherited + stmt.decorator_list, names)
    cases = [(label, *_marks(marks, names)) for label, marks in _cases(stmt.decorator_list, names)]
    every_case_read_only = bool(cases) and all(ro for _, _, ro in cases)
    own = [(label, r, ro) for label, r, ro in cases if r]
    out = []
    if reqs or not own:
        out.append(SuiteTest(nodeid, tuple(dict.fromkeys(reqs)), read_only or every_case_read_only))
    for label, case_reqs, case_read_only in own:
        out.append(
            SuiteTest(
                f"{nodeid}[{label}]" if label else nodeid,
                tuple(dict.fromkeys(reqs + case_reqs)),
                read_only or case_read_only,
            )
        )
    return out


def _module_names(tree: ast.Module) -> Names:
    """Module-level single-name assignments (later ones win, as at import)."""
    names: Names = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                names[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            names[stmt.target.id] = stmt.value
    return names


def _module_marks(tree: ast.Module) -> list[ast.expr]:
    """Marks applied to every test of a module through `pytestmark = ...`."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
        ):
            value = stmt.value
            return list(value.elts) if isinstance(value, ast.List | ast.Tuple) else [value]
    return []


def _tests_in(
    body: list[ast.stmt], prefix: str, inherited: list[ast.expr], names: Names
) -> list[SuiteTest]:
    out: list[SuiteTest] = []
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith(
            "test"
        ):
            out += _function_tests(stmt, f"{prefix}::{stmt.name}", inherited, names)
        elif isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
            out += _tests_in(
                stmt.body, f"{prefix}::{stmt.name}", inherited + stmt.decorator_list, names
            )
    return out


def suite_tests(suite_dir: Path) -> list[SuiteTest]:
    """Every `test_*.py` test of SUITE_DIR, node ids relative to it (as the runner collects)."""
    out: list[SuiteTest] = []
    for file in sorted(suite_dir.rglob("test_*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        prefix = file.relative_to(suite_dir).as_posix()
        out += _tests_in(tree.body, prefix, _module_marks(tree), _module_names(tree))
    return out


def suite_coverage(suite_dir: Path) -> dict[str, list[str]]:
    """Requirement id -> node ids of the tests marked with it."""
    coverage: dict[str, list[str]] = {}
    for test in suite_tests(suite_dir):
        for req in test.reqs:
            coverage.setdefault(req, []).append(test.nodeid)
    return coverage
