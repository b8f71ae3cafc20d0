"""Generate the phase's cases in worker processes, off the critical path of the run.

Generated cases do not depend on the target's answers, so they can be drawn while the suites
run. Processes, not threads: hypothesis calls `ast.parse` (describing lambdas), which is not
thread-safe in CPython 3.11 ("AST constructor recursion depth mismatch").
"""

from __future__ import annotations

import copy
import copyreg
import multiprocessing
import re
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import hypothesis
import schemathesis
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NotSet
from schemathesis.core.parameters import DelimitedValue
from schemathesis.core.result import Err, Ok

from conform.errors import BundleError
from conform.fuzz.safety import IdPool, rewrite_body

_PATH_PARAM = re.compile(r"{([^}]+)}")
# a str subclass whose wire form is an extra slot plain pickling drops
copyreg.pickle(DelimitedValue, lambda v: (DelimitedValue, (str(v), v.encoded)))


def _read_only(items: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(items)


# the profile's fuzzing rules (in the recipe's id pool) keep their read-only mappings
copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))
_WORKER: list[Any] = []  # in a worker: its recipe, then its operations (set by `_start`)


def load_operations(raw: dict[str, Any], api_base: str) -> list[Any]:
    """The OpenAPI document's operations as schemathesis loads them (BundleError if it cannot)."""
    config = SchemathesisConfig()
    config.projects.default.update(base_url=api_base)
    # NUL bytes and non-UTF-8 text test the HTTP stack, not the API contract.
    config.projects.default.generation.update(allow_x00=False, codec="utf-8")
    try:
        schema = schemathesis.openapi.from_dict(copy.deepcopy(raw), config=config)
        results = list(schema.get_all_operations())
    except Exception as exc:  # schemathesis raises its own loader/schema errors
        raise BundleError(f"openapi.yaml: schemathesis cannot load it: {exc}") from exc
    broken = [r.err() for r in results if isinstance(r, Err)]
    if broken:
        raise BundleError(f"openapi.yaml: an operation cannot be fuzzed: {broken[0]}")
    return [r.ok() for r in results if isinstance(r, Ok)]


@dataclass(frozen=True)
class Recipe:
    """What a worker needs to draw cases: the same recipe and seed give the same cases."""

    raw: dict[str, Any]
    api_base: str
    seed: int
    max_examples: int
    pool: IdPool


def case_fields(case: Any) -> dict[str, Any]:
    """A generated case as plain data (picklable), for `rebuild`."""
    return {
        "method": case.method,
        "path": case.path,
        "path_parameters": dict(case.path_parameters),
        "headers": dict(case.headers),
        "cookies": dict(case.cookies),
        "query": dict(case.query),
        "body": case.body,
        "media_type": case.media_type,
        "meta": case.meta,
    }


def rebuild(operation: Any, fields: dict[str, Any]) -> schemathesis.Case:
    """The case `case_fields` described, bound to OPERATION of this process."""
    headers = CaseInsensitiveDict(fields["headers"])
    return schemathesis.Case(operation, **{**fields, "headers": headers})


def _strategy(operation: Any, mode: GenerationMode, pool: IdPool) -> st.SearchStrategy[Any]:
    """Cases whose resource path parameters are always namespace ids."""
    names = _PATH_PARAM.findall(operation.path)
    choices = {n: ids for n in names if (ids := pool.for_parameter(n)) is not None}
    if not choices:
        return operation.as_strategy(generation_mode=mode)
    (name, ids), *rest = choices.items()
    if rest:
        raise BundleError(f"openapi.yaml: {operation.path} names two resource ids")
    return st.one_of(
        [operation.as_strategy(generation_mode=mode, path_parameters={name: i}) for i in ids]
    )


def draw(operation: Any, mode: GenerationMode, recipe: Recipe) -> list[dict[str, Any]]:
    """Up to max_examples cases of one operation and mode, ids rewritten into the pool."""
    cases: list[dict[str, Any]] = []

    # Seeded, no example database, no shrinking: the same seed gives the same cases.
    @hypothesis.settings(
        max_examples=recipe.max_examples,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.seed(recipe.seed)
    @hypothesis.given(case=_strategy(operation, mode, recipe.pool))
    def one(case: Any) -> None:
        if not isinstance(case.body, NotSet):
            case.body = rewrite_body(case.path, case.body, recipe.pool)
        cases.append(case_fields(case))

    try:
        one()
    except hypothesis.errors.Unsatisfiable:
        return []  # nothing of this operation can be made invalid (only a pinned id): no cases
    return cases


def _start(recipe: Recipe) -> None:
    _WORKER[:] = [recipe, *load_operations(recipe.raw, recipe.api_base)]


def _draw(index: int, mode: GenerationMode) -> list[dict[str, Any]]:
    recipe, *operations = _WORKER
    return draw(operations[index], mode, recipe)


def _context() -> multiprocessing.context.BaseContext:
    """Never a plain fork: it would copy the run's threads' locks mid-use (and warns on 3.12+).

    A fork server that has imported this module once starts each later worker in milliseconds.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class Generation:
    """Cases drawn by worker processes: one future per (operation, mode), submitted in order."""

    def __init__(
        self, recipe: Recipe, count: int, modes: tuple[GenerationMode, ...], workers: int
    ) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_context(),
            initializer=_start,
            initargs=(recipe,),
        )
        self.futures: list[tuple[int, GenerationMode, Future[list[dict[str, Any]]]]] = [
            (i, mode, self._executor.submit(_draw, i, mode)) for i in range(count) for mode in modes
        ]

    def close(self) -> None:
        """Stop the workers (cases not yet drawn are dropped)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
