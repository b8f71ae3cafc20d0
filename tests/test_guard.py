"""The namespace guard and cleanup, through the real client against a recording server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from loopback import Answer, HttpServer, Seen

from conform.errors import ConformError
from conform.evidence import EvidenceLog
from conform.http import Client, SafetyError
from conform.namespace import Namespace

NS = Namespace.new("feedc0de")
FOREIGN = "urn:ngsi-ld:Streetlight:city-001"
SERVER_SUB = "urn:ngsi-ld:Subscription:server-7"


def answer(seen: Seen) -> Answer:
    """201 for creates (Location for subscriptions), 204 for writes, 500 for 'stuck' ids."""
    if seen.method == "DELETE" and "stuck" in seen.path:
        return Answer(500)
    if seen.method == "POST" and seen.path.endswith("/subscriptions"):
        sub = json.loads(seen.body).get("id", SERVER_SUB)
        return Answer(201, {"Location": f"/ngsi-ld/v1/subscriptions/{sub}"})
    if seen.method == "POST" and seen.path.endswith(("/entities", "/create")):
        return Answer(201)
    return Answer(204)


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with HttpServer(answer) as srv:
        yield srv


@pytest.fixture
def client(server: HttpServer) -> Client:
    return Client(server.url, evidence=EvidenceLog(), namespace=NS, timeout=1)


def mine(n: int) -> str:
    return f"urn:ngsi-ld:Streetlight:{NS.prefix}{n}"


REFUSED = [
    ("DELETE", f"/entities/{FOREIGN}", None),
    ("PATCH", f"/entities/{FOREIGN}/attrs", {"x": 1}),
    ("PUT", f"/entities/{quote(FOREIGN, safe='')}", {"type": "Streetlight"}),
    ("DELETE", f"/subscriptions/{FOREIGN}", None),
    ("DELETE", "/entities", None),  # no id: could mean everything
    ("DELETE", f"/entities/{mine(1)}/../{FOREIGN}", None),
    ("DELETE", f"/entities/{quote(mine(1) + '/../' + FOREIGN, safe='')}", None),
    ("POST", "/entities", {"id": FOREIGN, "type": "Streetlight"}),
    ("POST", f"/entities/{FOREIGN}/attrs", {"x": 1}),
    ("POST", "/entityOperations/delete", [mine(1), FOREIGN]),
    ("POST", "/entityOperations/update", [{"id": mine(1)}, {"id": FOREIGN}]),
    ("POST", "/entityOperations/upsert", [{"id": FOREIGN}]),
    ("POST", "/entityOperations/merge", [{"id": FOREIGN}]),
    ("POST", "/entityOperations/create", [{"id": FOREIGN}]),
    ("POST", "/subscriptions", {"id": FOREIGN, "type": "Subscription"}),
]


@pytest.mark.parametrize(("method", "path", "body"), REFUSED)
def test_foreign_writes_are_refused_and_nothing_is_sent(
    client: Client, server: HttpServer, method: str, path: str, body: object
) -> None:
    kw = {} if body is None else {"json": body}
    with pytest.raises(SafetyError) as info:
        client.request(method, path, **kw)  # type: ignore[arg-type]
    assert isinstance(info.value, ConformError) and not isinstance(info.value, AssertionError)
    assert server.requests == []
    assert client.evidence.exchanges() == []


@pytest.mark.parametrize(
    "raw",
    [
        f'[{{"id": "{mine(1)}"}}] trailing {FOREIGN}',  # not JSON to us; maybe to a lax server
        f'{{"id": "{mine(1)}", "id": "{FOREIGN}"}}',  # duplicate keys: which one wins?
    ],
)
def test_ambiguous_bodies_are_refused(client: Client, server: HttpServer, raw: str) -> None:
    with pytest.raises(SafetyError):
        client.post("/entityOperations/update", data=raw)
    assert server.requests == []


def test_owned_writes_and_reads_pass(client: Client, server: HttpServer) -> None:
    client.get(f"/entities/{FOREIGN}")
    client.post("/entityOperations/query", json={"type": "Query", "entities": [{"id": FOREIGN}]})
    client.patch(f"/entities/{quote(mine(1), safe='')}/attrs", json={"x": 1})
    client.post("/entityOperations/delete", json=[mine(1), mine(2)])
    client.delete(f"/entities/{NS.prefix}not-a-uri")  # invalid-id tests stay in the namespace
    client.post("/entities", data="not json")  # names no id: cannot touch existing data
    assert len(server.requests) == 6


def test_created_resources_are_tracked_and_cleaned_up(client: Client, server: HttpServer) -> None:
    client.post("/entities", json={"id": mine(1), "type": "Streetlight"})
    client.post("/entities", json={"id": mine(2), "type": "Streetlight"})
    client.post("/entityOperations/create", json=[{"id": mine(3)}, {"id": mine(4)}])
    client.post("/subscriptions", json={"type": "Subscription"})  # the server picks the id
    client.delete(f"/entities/{mine(2)}")
    assert client.created == [mine(1), mine(3), mine(4), SERVER_SUB]
    server.requests.clear()
    assert client.cleanup() == []
    deleted = [(s.method, s.path.rsplit("/", 1)[-1]) for s in server.requests]
    assert deleted == [("DELETE", i) for i in (SERVER_SUB, mine(4), mine(3), mine(1))]
    assert client.created == []
    assert set(client.evidence.ids_for("cleanup")) == {
        x.id for x in client.evidence.exchanges()[-4:]
    }


def test_cleanup_reports_leftovers(client: Client) -> None:
    stuck = f"urn:ngsi-ld:Streetlight:{NS.prefix}stuck"
    client.post("/entities", json={"id": stuck, "type": "Streetlight"})
    client.post("/entities", json={"id": mine(9), "type": "Streetlight"})
    assert client.cleanup() == [stuck]
    assert client.created == [stuck]


def test_rejected_create_is_not_tracked(server: HttpServer) -> None:
    with HttpServer(lambda s: Answer(400)) as bad:
        c = Client(bad.url, evidence=EvidenceLog(), namespace=NS, timeout=1)
        c.post("/entities", json={"id": mine(1), "type": "Streetlight"})
    assert c.created == []
