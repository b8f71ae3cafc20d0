"""Run the property-based phase: schemathesis cases from the bundle's OpenAPI, seeded, checked."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import hypothesis
import requests
import schemathesis
import yaml
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

from conform.errors import BundleError
from conform.evidence import EvidenceLog
from conform.fuzz.checks import DEFAULT_CHECK_MAP, find_permission, permissions_for, resolve_checks
from conform.fuzz.outcomes import Outcomes, PropertyResult
from conform.fuzz.safety import IdPool, NamespaceLike, rewrite_body, unsafe_reason
from conform.fuzz.transport import Transport

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


def _api_base(raw: Mapping[str, Any], base_url: str) -> str:
    """The target root joined with the document's (relative) server path."""
    servers = raw.get("servers") or [{"url": ""}]
    server = str(servers[0].get("url", ""))
    if server.startswith(("http://", "https://")):
        raise BundleError("openapi.yaml: servers[0].url must be a path, the target gives the host")
    return base_url.rstrip("/") + "/" + server.strip("/")


def run_property_phase(
    openapi: Path | Mapping[str, Any],
    base_url: str,
    *,
    evidence: EvidenceLog,
    namespace: NamespaceLike,
    settings: FuzzSettings,
    session_factory: Callable[[], requests.Session] = requests.Session,
    check_map: Mapping[str, str] = DEFAULT_CHECK_MAP,
) -> list[PropertyResult]:
    """Fuzz every operation of `openapi` against `base_url`; one result per mapped requirement."""
    raw = load_openapi(openapi)
    api_base = _api_base(raw, base_url)
    config = SchemathesisConfig()
    config.projects.default.update(base_url=api_base)
    # NUL bytes and non-UTF-8 text test the HTTP stack, not the API contract.
    config.projects.default.generation.update(allow_x00=False, codec="utf-8")
    try:
        schema = schemathesis.openapi.from_dict(copy.deepcopy(raw), config=config)
        operations = [result.ok() for result in schema.get_all_operations()]
    except Exception as exc:  # schemathesis raises its own loader/schema errors
        raise BundleError(f"openapi.yaml: schemathesis cannot load it: {exc}") from exc
    run = _Run(raw, api_base, resolve_checks(check_map), Outcomes(check_map), settings)
    pool = IdPool.from_namespace(namespace)

    def fuzz(operation: Any) -> None:
        transport = Transport(session_factory, evidence, settings.request_timeout)
        try:
            for mode in settings.modes:
                run.fuzz_operation(operation, mode, pool, namespace, transport)
        finally:
            transport.close()

    if settings.workers <= 1:
        for operation in operations:
            fuzz(operation)
    else:
        with ThreadPoolExecutor(max_workers=settings.workers) as executor:
            list(executor.map(fuzz, operations))
    _clean_up(api_base, pool, session_factory, evidence, settings.request_timeout)
    return run.outcomes.results()


class _Run:
    """The shared state of one phase: checks, outcomes, settings."""

    def __init__(
        self,
        raw: dict[str, Any],
        api_base: str,
        checks: dict[str, Any],
        outcomes: Outcomes,
        settings: FuzzSettings,
    ) -> None:
        self.raw, self.api_base, self.checks = raw, api_base, checks
        self.outcomes, self.settings = outcomes, settings

    def strategy(self, operation: Any, mode: GenerationMode, pool: IdPool) -> st.SearchStrategy:
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

    def fuzz_operation(
        self,
        operation: Any,
        mode: GenerationMode,
        pool: IdPool,
        namespace: NamespaceLike,
        transport: Transport,
    ) -> None:
        """Generate up to max_examples cases for one operation and mode, send and check each."""
        permissions = permissions_for(self.raw, operation.path, operation.method)

        @hypothesis.settings(
            max_examples=self.settings.max_examples,
            database=None,
            deadline=None,
            derandomize=False,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
        )
        @hypothesis.seed(self.settings.seed)
        @hypothesis.given(case=self.strategy(operation, mode, pool))
        def one(case: Any) -> None:
            self.send_and_check(case, pool, namespace, transport, permissions)

        try:
            one()
        except hypothesis.errors.Unsatisfiable:
            # Nothing of this operation can be made invalid (e.g. only a pinned id): no cases.
            return

    def send_and_check(
        self,
        case: Any,
        pool: IdPool,
        namespace: NamespaceLike,
        transport: Transport,
        permissions: tuple[Any, ...],
    ) -> None:
        """Rewrite ids into the namespace, guard, send, and run every mapped check."""
        if not isinstance(case.body, schemathesis.core.NotSet):
            case.body = rewrite_body(case.path, case.body, pool)
        # schemathesis keeps path parameters percent-encoded; the guard judges the decoded id.
        params = case.path_parameters.items()
        path_ids = [unquote(str(v)) for n, v in params if pool.for_parameter(n)]
        body = None if isinstance(case.body, schemathesis.core.NotSet) else case.body
        if unsafe_reason(case.method, path_ids, body, namespace):
            self.outcomes.refused()
            return
        sent = transport.send(case.as_transport_kwargs(base_url=self.api_base))
        if sent.response is None:
            self.outcomes.unanswered(sent.exchange_id, sent.error or "no response")
            return
        for name, check in self.checks.items():
            self._check(name, check, case, sent, permissions)

    def _check(self, name: str, check: Any, case: Any, sent: Any, permissions: Any) -> None:
        status = sent.response.status_code
        try:
            case.validate_response(sent.response, checks=[check])
        except FailureGroup as group:
            permission = find_permission(permissions, name, status)
            if permission is not None:
                xid = sent.exchange_id
                self.outcomes.permitted(name, xid, permission.clause, permission.reason)
                return
            failure = group.exceptions[0]
            key = f"{case.method} {case.path} {status} {failure.title}"
            curl = case.as_curl_command(base_url=self.api_base)
            message = (
                f"{case.method} {case.path} → {status}: {failure.title}\n{failure.message}\n"
                f"evidence {sent.exchange_id}; reproduce with:\n  {curl}"
            )
            self.outcomes.failed(name, sent.exchange_id, key, message)
        except Exception as exc:  # a check that cannot evaluate is an error, never a pass
            self.outcomes.broken(name, sent.exchange_id, f"{type(exc).__name__}: {exc}")
        else:
            self.outcomes.passed(name, sent.exchange_id)


def _clean_up(
    api_base: str,
    pool: IdPool,
    session_factory: Callable[[], requests.Session],
    evidence: EvidenceLog,
    timeout: float,
) -> None:
    """Delete whatever the generated creates may have left (404 is fine: nothing was left)."""
    transport = Transport(session_factory, evidence, timeout)
    try:
        for collection, ids in (("entities", pool.entities), ("subscriptions", pool.subscriptions)):
            for resource_id in ids:
                url = f"{api_base}/{collection}/{resource_id}"
                transport.send({"method": "DELETE", "url": url})
    finally:
        transport.close()
