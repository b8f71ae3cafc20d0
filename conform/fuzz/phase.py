"""Run the property-based phase: schemathesis cases from the bundle's OpenAPI, seeded, checked."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import hypothesis
import schemathesis
import yaml
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok

from conform.errors import BundleError
from conform.fuzz.checks import (
    Permission,
    find_permission,
    permissions_for,
    resolve_checks,
)
from conform.fuzz.outcomes import Outcomes, PropertyResult
from conform.fuzz.safety import IdPool, NamespaceLike, rewrite_body, unsafe_reason
from conform.fuzz.transport import send_case
from conform.http import Client, SafetyError, TransportError

DEFAULT_MAX_EXAMPLES = 10
DEFAULT_WORKERS = 1
_PATH_PARAM = re.compile(r"{([^}]+)}")


@dataclass(frozen=True)
class FuzzSettings:
    """How much to generate; the same settings and seed give the same requests."""

    seed: int
    max_examples: int = DEFAULT_MAX_EXAMPLES
    workers: int = DEFAULT_WORKERS
    request_timeout: float = 10.0
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


PHASE = "property-based"  # the evidence `test` of every exchange this phase sends


def load_openapi(openapi: Path | Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI document as a fresh dict (the caller's copy is never touched)."""
    if isinstance(openapi, Mapping):
        return copy.deepcopy(dict(openapi))
    try:
        raw = yaml.safe_load(openapi.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BundleError(f"{openapi}: cannot read the OpenAPI document: {exc}") from exc
    if not isinstance(raw, dict):
        raise BundleError(f"{openapi}: the OpenAPI document is not a mapping")
    return raw


def run_property_phase(
    openapi: Path | Mapping[str, Any],
    client: Client,
    *,
    namespace: NamespaceLike,
    settings: FuzzSettings,
    check_map: Mapping[str, str] | None = None,
) -> list[PropertyResult]:
    """Fuzz every operation of `openapi` through `client`; one result per mapped requirement.

    CHECK_MAP: check -> requirement (default: the client's profile's default map).
    """
    check_map = client.profile.default_checks if check_map is None else check_map
    raw = load_openapi(openapi)
    api_base = client.base_url + client.api_root
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
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    client.evidence.set_phase(PHASE)
    pool = IdPool.from_namespace(namespace, client.profile.fuzzing)
    outcomes = Outcomes(check_map)
    checks = resolve_checks(check_map)
    run = _Run(raw, api_base, client, namespace, pool, checks, outcomes, settings)

    def fuzz(operation: Any) -> None:
        for mode in settings.modes:
            run.fuzz_operation(operation, mode)

    if settings.workers <= 1:
        for operation in operations:
            fuzz(operation)
    else:
        with ThreadPoolExecutor(max_workers=settings.workers) as executor:
            list(executor.map(fuzz, operations))
    _clean_up(client, pool)
    return run.outcomes.results()


@dataclass(frozen=True)
class _Run:
    """One phase: where to send, which ids to use, which checks count, what came of them."""

    raw: dict[str, Any]
    api_base: str
    client: Client
    namespace: NamespaceLike
    pool: IdPool
    checks: dict[str, Any]
    outcomes: Outcomes
    settings: FuzzSettings

    def strategy(self, operation: Any, mode: GenerationMode) -> st.SearchStrategy[Any]:
        """Cases whose resource path parameters are always namespace ids."""
        names = _PATH_PARAM.findall(operation.path)
        choices = {n: ids for n in names if (ids := self.pool.for_parameter(n)) is not None}
        if not choices:
            return operation.as_strategy(generation_mode=mode)
        (name, ids), *rest = choices.items()
        if rest:
            raise BundleError(f"openapi.yaml: {operation.path} names two resource ids")
        return st.one_of(
            [operation.as_strategy(generation_mode=mode, path_parameters={name: i}) for i in ids]
        )

    def fuzz_operation(self, operation: Any, mode: GenerationMode) -> None:
        """Generate up to max_examples cases for one operation and mode, send and check each."""
        permissions = permissions_for(self.raw, operation.path, operation.method)

        # Seeded, no example database, no shrinking: the same seed gives the same requests, and
        # `one` never raises, so what is generated does not depend on the target's answers.
        @hypothesis.settings(
            max_examples=self.settings.max_examples,
            database=None,
            deadline=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
        )
        @hypothesis.seed(self.settings.seed)
        @hypothesis.given(case=self.strategy(operation, mode))
        def one(case: Any) -> None:
            self.send_and_check(case, permissions)

        try:
            one()
        except hypothesis.errors.Unsatisfiable:
            return  # nothing of this operation can be made invalid (only a pinned id): no cases

    def send_and_check(self, case: Any, permissions: tuple[Permission, ...]) -> None:
        """Rewrite ids into the namespace, guard, send, and run every mapped check."""
        has_body = not isinstance(case.body, NotSet)
        if has_body:
            case.body = rewrite_body(case.path, case.body, self.pool)
        # schemathesis keeps path parameters percent-encoded; the guard judges the decoded id.
        params = case.path_parameters.items()
        path_ids = [unquote(str(v)) for n, v in params if self.pool.for_parameter(n)]
        body = case.body if has_body else None
        member = self.pool.rules.batch_member
        if unsafe_reason(case.method, path_ids, body, self.namespace, member):
            self.outcomes.refused()
            return
        sent = send_case(self.client, self.api_base, case.as_transport_kwargs(self.api_base))
        if sent.refused:  # the client's own namespace guard: the second line of defence
            self.outcomes.refused()
        elif sent.response is None or sent.exchange_id is None:
            self.outcomes.unanswered(sent.error or "no response")
        else:
            for name, check in self.checks.items():
                self._check(name, check, case, sent.response, sent.exchange_id, permissions)

    def _check(
        self,
        name: str,
        check: Any,
        case: Any,
        response: Any,
        xid: str,
        permissions: tuple[Permission, ...],
    ) -> None:
        try:
            case.validate_response(response, checks=[check])
        except FailureGroup as group:
            permission = find_permission(permissions, name, response.status_code)
            if permission is not None:
                self.outcomes.permitted(name, xid, permission.clause, permission.reason)
                return
            failure = group.exceptions[0]
            head = f"{case.method} {case.path} → {response.status_code}: {failure.title}"
            curl = self.client.evidence.get(xid).curl()
            message = f"{head}\n{failure.message}\nevidence {xid}; reproduce with:\n  {curl}"
            self.outcomes.failed(name, xid, head, message)
        except Exception as exc:  # a check that cannot evaluate is an error, never a pass
            self.outcomes.broken(name, xid, f"{type(exc).__name__}: {exc}")
        else:
            self.outcomes.passed(name, xid)


def _clean_up(client: Client, pool: IdPool) -> None:
    """Delete whatever the generated creates may have left (404: nothing was left)."""
    rules = pool.rules
    for collection, ids in (
        (rules.subscriptions, pool.subscriptions),
        (rules.entities, pool.entities),
    ):
        for resource_id in ids:
            try:
                client.delete(f"{collection}/{quote(resource_id, safe=':')}")
            except (TransportError, SafetyError):
                continue  # the runner's cleanup lists what is left behind
