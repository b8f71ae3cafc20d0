"""Run the property-based phase: schemathesis cases from the bundle's OpenAPI, seeded, checked."""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import yaml
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup

from conform.errors import BundleError
from conform.fuzz.checks import (
    Permission,
    find_permission,
    permissions_for,
    resolve_checks,
)
from conform.fuzz.outcomes import Outcomes, PropertyResult
from conform.fuzz.safety import IdPool, NamespaceLike, unsafe_reason
from conform.fuzz.transport import send_case
from conform.fuzz.workers import Generation, Recipe, load_operations, rebuild
from conform.http import Client, SafetyError, TransportError

DEFAULT_MAX_EXAMPLES = 10
DEFAULT_WORKERS = 2  # generation processes


@dataclass(frozen=True)
class FuzzSettings:
    """How much to generate; the same settings and seed give the same requests."""

    seed: int
    max_examples: int = DEFAULT_MAX_EXAMPLES
    workers: int = DEFAULT_WORKERS  # processes drawing cases; how many are sent at once is the
    # client's concurrency
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
    phase = PropertyPhase(
        openapi, client, namespace=namespace, settings=settings, check_map=check_map
    )
    try:
        phase.send()
    finally:
        phase.close()
    return phase.finish()


class PropertyPhase:
    """The phase in steps: generation starts at once in worker processes; send; finish."""

    def __init__(
        self,
        openapi: Path | Mapping[str, Any],
        client: Client,
        *,
        namespace: NamespaceLike,
        settings: FuzzSettings,
        check_map: Mapping[str, str] | None = None,
    ) -> None:
        check_map = client.profile.default_checks if check_map is None else check_map
        raw = load_openapi(openapi)
        api_base = client.base_url + client.api_root
        self.operations = load_operations(raw, api_base)
        pool = IdPool.from_namespace(
            namespace, client.profile.fuzzing
        )  # drawn first: the same ids whatever runs beside
        recipe = Recipe(raw, api_base, settings.seed, settings.max_examples, pool)
        self._generation = Generation(
            recipe, len(self.operations), settings.modes, settings.workers
        )
        checks = resolve_checks(check_map)
        self._cancelled = threading.Event()
        self._run = _Run(raw, api_base, client, namespace, pool, checks, Outcomes(check_map))

    def send(self) -> None:
        """Send every generated case as it is drawn, as many at once as the client may send."""
        self._run.client.evidence.set_phase(PHASE)
        self._run.client.each(self._send_group, self._generation.futures)

    def _send_group(self, group: tuple[int, GenerationMode, Future[list[dict[str, Any]]]]) -> None:
        """One operation and mode: its cases in the order they were drawn."""
        index, _, cases = group
        operation = self.operations[index]
        permissions = permissions_for(self._run.raw, operation.path, operation.method)
        for fields in cases.result():
            if self._cancelled.is_set():
                return
            self._run.send_and_check(rebuild(operation, fields), permissions)

    def cancel(self) -> None:
        """Send no more cases (the run was interrupted)."""
        self._cancelled.set()

    def close(self) -> None:
        """Stop the generation workers."""
        self._generation.close()

    def finish(self) -> list[PropertyResult]:
        """Delete what the generated creates may have left; one result per mapped requirement."""
        self._run.client.evidence.set_phase(PHASE)
        _clean_up(self._run.client, self._run.pool)
        return self._run.outcomes.results()


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

    def send_and_check(self, case: Any, permissions: tuple[Permission, ...]) -> None:
        """Guard (ids were rewritten into the namespace when drawn), send, run every check."""
        has_body = not isinstance(case.body, NotSet)
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

    def delete(path: str) -> None:
        with contextlib.suppress(TransportError, SafetyError):  # the runner's cleanup lists
            client.delete(path)  # what is left behind

    rules = pool.rules
    for collection, ids in (
        (rules.subscriptions, pool.subscriptions),
        (rules.entities, pool.entities),
    ):
        client.each(delete, [f"{collection}/{quote(i, safe=':')}" for i in ids])
