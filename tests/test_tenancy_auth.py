"""Tenants and credentials end to end: the guard's tenant rule, the class that needs tenants,
the reference server's tenants and bearer mode, and SEC-001/002 passing and not applying."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from loopback import Answer, HttpServer

from conform.cli import app
from conform.errors import ConfigError
from conform.evidence import EvidenceLog
from conform.http import Client, SafetyError
from conform.namespace import Namespace
from conform.reference.server import ReferenceServer
from conform.target import load_system

NS = Namespace.new("feedc0de")
API = "http://{}/ngsi-ld/v1"


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with HttpServer(lambda seen: Answer(204 if seen.method == "DELETE" else 201)) as srv:
        yield srv


def _client(url: str, tenant: str | None, tenants: tuple[str, ...]) -> Client:
    headers = {"NGSILD-Tenant": tenant} if tenant else {}
    return Client(url, evidence=EvidenceLog(), namespace=NS, headers=headers, tenants=tenants)


def test_a_write_into_a_tenant_the_system_does_not_name_is_never_sent(server: HttpServer) -> None:
    client = _client(server.url, None, ("city-a", "city-b"))
    body = {"id": NS.entity_id("Room"), "type": "Room"}
    client.post("/entities", json=body, headers={"NGSILD-Tenant": "city-b"})
    client.post("/entities", json=body)  # the default tenant: the system names no tenant
    with pytest.raises(SafetyError, match="tenant 'city-c' is not named in the system file"):
        client.post("/entities", json=body, headers={"NGSILD-Tenant": "city-c"})
    client.get("/entities", params={"type": "Room"}, headers={"NGSILD-Tenant": "city-c"})
    assert [s.headers.get("NGSILD-Tenant") for s in server.requests] == ["city-b", None, "city-c"]


def test_with_a_tenant_of_its_own_the_system_never_writes_into_the_default(
    server: HttpServer,
) -> None:
    client = _client(server.url, "city-a", ("city-b",))
    body = {"id": NS.entity_id("Room"), "type": "Room"}
    with pytest.raises(SafetyError, match="the default tenant is not named"):
        client.delete(f"/entities/{body['id']}", headers={"NGSILD-Tenant": None})
    assert server.requests == []


def test_cleanup_deletes_in_the_tenant_a_resource_was_made_in(server: HttpServer) -> None:
    client = _client(server.url, None, ("city-a",))
    eid = NS.entity_id("Room")
    client.post("/entities", json={"id": eid, "type": "Room"}, headers={"NGSILD-Tenant": "city-a"})
    assert client.cleanup() == []
    last = server.requests[-1]
    assert (last.method, last.headers.get("NGSILD-Tenant")) == ("DELETE", "city-a")


def test_system_file_names_tenants(tmp_path: Path) -> None:
    system = tmp_path / "system.yaml"
    system.write_text("name: city\nurl: http://127.0.0.1:1\ntenants: [city-a, city-b]\n")
    assert load_system(system).tenants == ("city-a", "city-b")


def _run(*args: str) -> int:
    return int(app(args=["run", *args], standalone_mode=False) or 0)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--class", "tenancy"],
            "class tenancy cannot be tested: the system file names fewer than two tenants "
            "(tenants: [a, b])",
        ),
        # an Orion's tenancy is tested in the system's own Fiware-Service, never an invented one
        (
            ["--bundle", "city-os-v2", "--class", "multi-tenancy"],
            "class multi-tenancy cannot be tested: the system file names no tenant of its own "
            "(tenant:)",
        ),
    ],
)
def test_declaring_tenancy_without_its_tenants_is_a_usage_error(
    args: list[str], line: str, tmp_path: Path
) -> None:
    # port 9 answers nothing: the error comes before any request
    argv = ["--url", "http://127.0.0.1:9", *args, "--out", str(tmp_path / "r")]
    done = subprocess.run(
        [sys.executable, "-m", "conform", "run", *argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: {line}"]
    assert not (tmp_path / "r").exists()


def test_reference_server_keeps_a_store_per_tenant_and_checks_its_token() -> None:
    with ReferenceServer(token="t0ken") as ref:
        url = API.format(ref.url.split("//")[1])
        auth = {"Authorization": "Bearer t0ken"}
        assert requests.get(f"{url}/entities", params={"type": "T"}, timeout=5).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert requests.get(f"{url}/types", headers=wrong, timeout=5).status_code == 401
        body = {"id": "urn:ngsi-ld:T:1", "type": "T"}
        a = {**auth, "NGSILD-Tenant": "city-a"}
        assert requests.post(f"{url}/entities", json=body, headers=a, timeout=5).status_code == 201
        assert requests.get(f"{url}/entities/urn:ngsi-ld:T:1", headers=a, timeout=5).ok
        r = requests.get(f"{url}/entities/urn:ngsi-ld:T:1", headers=auth, timeout=5)
        assert r.status_code == 404
        unknown = {**auth, "NGSILD-Tenant": "city-x"}
        r = requests.get(f"{url}/entities", params={"type": "T"}, headers=unknown, timeout=5)
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[1]) == (404, "NonexistentTenant")


def _report(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "report.json").read_text())
    return {r["id"]: r for r in doc["requirements"]}


def test_credentials_are_tested_when_declared_and_not_applicable_otherwise(
    tmp_path: Path,
) -> None:
    only = ["--only", "SEC-001", "--only", "SEC-002", "--only", "CORE-001"]
    with ReferenceServer(token="t0ken") as ref:
        (tmp_path / "token").write_text("t0ken")
        system = tmp_path / "system.yaml"
        system.write_text(
            f"name: authd\nurl: {ref.url}\nauth: {{kind: bearer, token_file: token}}\n"
        )
        _run("--system", str(system), "--out", str(tmp_path / "a"), *only)
    with ReferenceServer() as ref:
        _run("--url", ref.url, "--out", str(tmp_path / "b"), *only)
    declared, undeclared = _report(tmp_path / "a"), _report(tmp_path / "b")
    for rid in ("SEC-001", "SEC-002"):
        assert (declared[rid]["status"], declared[rid]["security"]) == ("passed", True)
        assert (undeclared[rid]["status"], undeclared[rid]["applicable"]) == ("skipped", False)
        assert undeclared[rid]["message"].startswith("not applicable: the system file declares")
    assert "t0ken" not in (tmp_path / "a" / "evidence.jsonl").read_text()


@pytest.mark.parametrize(
    ("tenants", "problem"),
    [("[city a, b]", "'city a': use letters"), ("[a, a]", "a tenant is named twice")],
)
def test_bad_tenants_are_named(tmp_path: Path, tenants: str, problem: str) -> None:
    system = tmp_path / "system.yaml"
    system.write_text(f"name: city\nurl: http://127.0.0.1:1\ntenants: {tenants}\n")
    with pytest.raises(ConfigError, match=f"tenants: {problem}"):
        load_system(system)
