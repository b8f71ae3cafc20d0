"""Who may import whom inside `conform/`: layers, no cycles, no protocol fact in the core.

The rules are docs/ARCHITECTURE.md's "Import rules". Imports are read from each module's syntax
tree (type-only and function-local ones too), so a violation fails here before anything runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import conform
from conform.profiles import known_profiles, load_profile

PACKAGE = Path(conform.__file__).parent

# Lowest first. A module may import modules of its own layer or of a lower one, never higher.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("conform", "conform.errors", "conform.resources", "conform.yamlfile",
              "conform.files", "conform.loopback", "conform.results", "conform.i18n",
              "conform.trust")),
    ("profiles", ("conform.profiles",)),
    ("spec", ("conform.bundle", "conform.jsonld", "conform.datamodels", "conform.datamodel_errors",
              "conform.datamodel_formats", "conform.datamodel_forms", "conform.datafiles")),
    ("wire", ("conform.namespace", "conform.evidence", "conform.transport", "conform.framing",
              "conform.guard", "conform.auth", "conform.ratelimit", "conform.http",
              "conform.target")),
    ("results", ("conform.report", "conform.waivers", "conform.diff", "conform.signing")),
    ("reporters", ("conform.reporters",)),
    ("reference", ("conform.reference",)),
    ("suite", ("conform.suite", "conform.fuzz")),
    ("lint", ("conform.lint",)),
    ("runner", ("conform.runner",)),
    ("entry", ("conform.cli", "conform.__main__")),
)  # fmt: skip
# Where protocol facts may be written down: the profiles, the reference server (an NGSI-LD
# implementation) and the CLI's help and `init` template texts.
PROTOCOL_OWNERS = ("conform.profiles", "conform.reference", "conform.cli")


def module_files(root: Path = PACKAGE, package: str = "conform") -> dict[str, Path]:
    """Dotted module name -> file, for every module under ROOT (a package is its __init__)."""
    out: dict[str, Path] = {}
    for file in sorted(root.rglob("*.py")):
        parts = [package, *file.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = file
    return out


def _resolve(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module NAME refers to (`pkg.mod.attr` -> `pkg.mod`), if it is one of MODULES."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, file: Path, modules: Mapping[str, Path]) -> set[str]:
    """The modules of MODULES that MODULE imports, anywhere in its file."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {r for n in names if (r := _resolve(n, modules)) is not None}
    found.discard(module)
    return found


def import_graph(root: Path = PACKAGE, package: str = "conform") -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_files(root, package)
    return {m: imports_of(m, f, modules) for m, f in modules.items()}


def layer_of(module: str, layers: tuple[tuple[str, tuple[str, ...]], ...] = LAYERS) -> int:
    """The index of MODULE's layer (the longest matching prefix decides)."""
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "conform"  # the root: itself
            if (module == prefix or inside) and len(prefix) > best:
                best, rank = len(prefix), index
    if rank < 0:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and the docs")
    return rank


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """`a -> b` for every import of a higher layer."""
    return sorted(
        f"{a} ({LAYERS[layer_of(a)][0]}) -> {b} ({LAYERS[layer_of(b)][0]})"
        for a, deps in graph.items()
        for b in deps
        if layer_of(b) > layer_of(a)
    )


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def profile_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """Imports of a concrete profile module from outside the profiles package."""
    concrete = {f"conform.profiles.{n.replace('-', '_')}" for n in known_profiles()}
    return sorted(
        f"{a} -> {b}"
        for a, deps in graph.items()
        if not a.startswith("conform.profiles")
        for b in deps & concrete
    )


def _protocol_facts() -> set[str]:
    """The distinctive values of every profile (a core module writing one down is a leak)."""
    facts: set[str] = set()
    for name in known_profiles():
        p = load_profile(name)
        facts |= {p.api_root, p.tenant_header, p.error_type_prefix, p.fuzzing.core_context}
        facts.add(p.id_form.split("{", 1)[0])  # the id scheme, e.g. urn:ngsi-ld:
    return {f for f in facts if len(f) > 3}


def _literals(file: Path) -> Iterator[tuple[int, str]]:
    """String constants of FILE that are not docstrings, with their line."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


def protocol_leaks(modules: Mapping[str, Path]) -> list[str]:
    """Core modules holding a profile's fact as a literal."""
    facts = _protocol_facts()
    return sorted(
        f"{file}:{line}: {fact!r}"
        for module, file in modules.items()
        if not module.startswith(PROTOCOL_OWNERS)
        for line, text in _literals(file)
        for fact in facts
        if fact.lower() in text.lower()
    )


GRAPH = import_graph()


def test_every_module_has_a_layer() -> None:
    for module in GRAPH:
        layer_of(module)


def test_no_module_imports_a_higher_layer() -> None:
    assert upward_imports(GRAPH) == []


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_only_the_profiles_package_imports_a_profile_module() -> None:
    assert profile_imports(GRAPH) == []


def test_the_core_writes_down_no_protocol_fact() -> None:
    assert protocol_leaks(module_files()) == []


# The checks can fail: a small package with every kind of violation, in a temp dir.
BAD = {
    "__init__.py": "",
    "errors.py": "from conform.runner import plan\n",  # base -> runner: upward
    "runner/__init__.py": "",
    "runner/plan.py": "from conform.runner.execute import go\n",
    "runner/execute.py": "from typing import TYPE_CHECKING\n"
    "if TYPE_CHECKING:\n    from conform.runner.plan import Plan\n",  # a type-only cycle
    "http.py": "from conform.profiles.ngsi_ld import PROFILE\n"
    "ROOT = '/ngsi-ld/v1'\n",  # a concrete profile, and a protocol fact in the core
    "profiles/__init__.py": "",
    "profiles/ngsi_ld.py": "ROOT = '/ngsi-ld/v1'\n",  # the profile itself may
}


@pytest.fixture
def bad_package(tmp_path: Path) -> Path:
    root = tmp_path / "conform"
    for name, text in BAD.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_checks_catch_a_bad_package(bad_package: Path) -> None:
    graph = import_graph(bad_package)
    assert graph["conform.runner.plan"] == {"conform.runner.execute"}
    assert upward_imports(graph) == ["conform.errors (base) -> conform.runner.plan (runner)"]
    assert cycles(graph) == [["conform.runner.execute", "conform.runner.plan"]]
    assert profile_imports(graph) == ["conform.http -> conform.profiles.ngsi_ld"]
    leaks = protocol_leaks(module_files(bad_package))
    assert leaks == [f"{bad_package / 'http.py'}:2: '/ngsi-ld/v1'"]


def test_a_module_outside_every_layer_is_named(bad_package: Path) -> None:
    (bad_package / "stray.py").write_text("", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"conform\.stray belongs to no layer"):
        for module in import_graph(bad_package):
            layer_of(module)
