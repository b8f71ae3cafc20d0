"""The property-based phase against real servers on loopback: verdicts, determinism, safety."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from conform.evidence import EvidenceLog
from conform.fuzz import FuzzSettings, PropertyResult, run_property_phase
from conform.fuzz.safety import IdPool, rewrite_body, unsafe_reason
from conform.http import Client
from conform.namespace import Namespace
from conform.profiles import default_profile
from conform.results import Status

reference = pytest.importorskip("conform.reference", reason="reference server not built yet")

OPENAPI = Path(__file__).parent.parent / "specs" / "city-os" / "1.0" / "openapi.yaml"
RUN_ID = "fuzz0001"


def _phase(
    url: str, openapi: Any = OPENAPI, **settings: Any
) -> tuple[list[PropertyResult], EvidenceLog]:
    evidence, namespace = EvidenceLog(), Namespace(RUN_ID)
    with Client(url, evidence=evidence, namespace=namespace, timeout=5) as client:
        results = run_property_phase(
            openapi, client, namespace=namespace, settings=FuzzSettings(**{"seed": 1, **settings})
        )
    return results, evidence


def _by_id(results: list[PropertyResult]) -> dict[str, PropertyResult]:
    return {r.requirement_id: r for r in results}


def _small_openapi(*paths: str) -> dict[str, Any]:
    """The bundle's OpenAPI cut down to `paths` (keeps stand-in server tests fast)."""
    raw = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    raw["paths"] = {p: raw["paths"][p] for p in paths}
    return raw


@contextmanager
def _answering(status: int) -> Iterator[str]:
    """A server on loopback that answers every request with `status` and a problem body."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"type": "about:blank", "title": "canned"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_reference_server_passes_every_mapped_requirement_at_the_defaults() -> None:
    with reference.ReferenceServer(port=0) as server:
        results, evidence = _phase(server.url)
    assert {r.requirement_id for r in results} == set(default_profile().default_checks.values())
    failed = {r.requirement_id: r.message for r in results if r.status is not Status.PASSED}
    assert failed == {}
    assert all(r.exchange_ids for r in results)
    assert {x.test for x in evidence.exchanges()} == {"property-based"}


@pytest.mark.slow
def test_same_seed_same_requests_and_same_results() -> None:
    runs = []
    for _ in range(2):
        with reference.ReferenceServer(port=0) as server:
            results, evidence = _phase(server.url, max_examples=3)
        sent = [
            (x.method, urlsplit(x.url).path, urlsplit(x.url).query, x.request_body)
            for x in evidence.exchanges()
        ]
        runs.append((sent, [(r.requirement_id, r.status, len(r.exchange_ids)) for r in results]))
    assert len(runs[0][0]) > 50
    assert runs[0] == runs[1]


@pytest.mark.slow
def test_a_different_seed_sends_different_requests() -> None:
    bodies = []
    for seed in (1, 2):
        with reference.ReferenceServer(port=0) as server:
            _, evidence = _phase(server.url, seed=seed, max_examples=3)
        bodies.append([x.request_body for x in evidence.exchanges()])
    assert bodies[0] != bodies[1]


@pytest.mark.slow
def test_unrelated_entities_are_left_byte_identical() -> None:
    with reference.ReferenceServer(port=0) as server:
        for n in range(50):
            server.store.put_entity(
                {
                    "id": f"urn:ngsi-ld:Streetlight:city-{n}",
                    "type": "Streetlight",
                    "status": {"type": "Property", "value": "on"},
                    "powerState": {"type": "Property", "value": n},
                }
            )
        before = json.dumps(server.store.snapshot(), sort_keys=True)
        results, evidence = _phase(server.url, max_examples=5)
        after = json.dumps(server.store.snapshot(), sort_keys=True)
    assert before == after
    writes = [x for x in evidence.exchanges() if x.method in ("PATCH", "DELETE", "POST")]
    assert writes
    assert all("city-" not in x.url and "city-" not in (x.request_body or "") for x in writes)
    assert all(r.exchange_ids for r in results)


def test_server_errors_fail_the_requirement_with_a_reproducing_curl() -> None:
    with _answering(500) as url:
        results, evidence = _phase(url, _small_openapi("/types"), max_examples=2)
    err21 = _by_id(results)["ERR-021"]
    assert err21.status is Status.FAILED
    assert "GET /types → 500" in err21.message and "curl -i -X GET" in err21.message
    assert err21.exchange_ids and all(evidence.get(x).status == 500 for x in err21.exchange_ids)


def test_undocumented_status_fails_unless_the_bundle_permits_it_with_a_clause() -> None:
    with _answering(418) as url:
        plain, _ = _phase(url, _small_openapi("/types"), max_examples=2)
        spec = _small_openapi("/types")
        spec["paths"]["/types"]["get"]["x-conform-permitted"] = [
            {"check": "status_code_conformance", "status": [418], "clause": "RFC 2324 2.3.2"}
        ]
        permitted, _ = _phase(url, spec, max_examples=2)
    assert _by_id(plain)["ERR-022"].status is Status.FAILED
    assert _by_id(permitted)["ERR-022"].status is Status.PASSED
    assert "RFC 2324 2.3.2" in _by_id(permitted)["ERR-022"].message


def test_a_body_violating_the_response_schema_fails_err_023() -> None:
    # a 200 problem body where GET /types documents an EntityTypeList
    with _answering(200) as url:
        results, _ = _phase(url, _small_openapi("/types"), max_examples=2)
    err23 = _by_id(results)["ERR-023"]
    assert err23.status is Status.FAILED
    assert "GET /types" in err23.message and "curl -i -X GET" in err23.message


def test_an_unreachable_target_is_an_error_never_a_pass() -> None:
    with _answering(200) as url:
        pass  # the port is closed again: connection refused
    results, _ = _phase(url, _small_openapi("/types"), max_examples=2)
    assert {r.status for r in results} == {Status.ERROR}


def test_generated_ids_are_rewritten_into_the_namespace() -> None:
    namespace = Namespace(RUN_ID)
    pool = IdPool.from_namespace(namespace, default_profile().fuzzing)
    entity = rewrite_body("/entities", {"id": "urn:ngsi-ld:X:foreign", "type": "X"}, pool)
    batch = rewrite_body("/entityOperations/delete", ["urn:a:b", "urn:c:d", 7], pool)
    subscription = rewrite_body(
        "/subscriptions",
        {"type": "Subscription", "notification": {"endpoint": {"uri": "http://example.com/"}}},
        pool,
    )
    assert namespace.owns(entity["id"])
    assert all(namespace.owns(i) for i in batch[:2]) and batch[2] == 7
    assert namespace.owns(subscription["id"])
    assert subscription["notification"]["endpoint"]["uri"].startswith("http://127.0.0.1:")


def test_the_guard_refuses_writes_outside_the_namespace() -> None:
    namespace = Namespace(RUN_ID)
    owned = namespace.entity_id("X")
    assert unsafe_reason("DELETE", ["urn:ngsi-ld:X:city-1"], None, namespace)
    assert unsafe_reason("POST", [], [{"id": owned}, {"id": "urn:x:y"}], namespace)
    assert unsafe_reason("POST", [], "urn:x:y", namespace)
    assert unsafe_reason("PATCH", [owned], {"id": owned}, namespace) is None
    assert unsafe_reason("GET", ["urn:ngsi-ld:X:city-1"], None, namespace) is None


def test_every_schemathesis_check_is_either_mapped_or_explained() -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    from conform.fuzz import NOT_USED

    load_all_checks()
    names = {getattr(c, "__name__", "") for c in CHECKS.get_all()} | {"max_response_time"}
    assert names == set(default_profile().default_checks) | set(NOT_USED)
    assert not set(default_profile().default_checks) & set(NOT_USED)
