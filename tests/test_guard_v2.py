"""The namespace guard under the NGSI v2 profile: batch bodies list their entities in a member.

POST /v2/op/update names the entities it appends, replaces or deletes in `entities`; a vendor
id there must be refused before anything is sent, whatever the actionType.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from loopback import Answer, HttpServer, Seen

from conform.evidence import EvidenceLog
from conform.http import Client, SafetyError
from conform.namespace import Namespace
from conform.profiles import load_profile

V2 = load_profile("ngsi-v2")
NS = Namespace.new("c0ffee42", V2.id_form)
VENDOR = "streetlight-001"
ACTIONS = ("append", "appendStrict", "update", "replace", "delete")


def answer(seen: Seen) -> Answer:
    """201 with a server-chosen Location for subscriptions and entities, 204 otherwise."""
    if seen.method == "POST" and seen.path.endswith("/subscriptions"):
        return Answer(201, {"Location": "/v2/subscriptions/5f1e0aa1"})
    if seen.method == "POST" and seen.path.endswith("/entities"):
        return Answer(201)
    return Answer(204)


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with HttpServer(answer) as srv:
        yield srv


@pytest.fixture
def client(server: HttpServer) -> Client:
    return Client(server.url, evidence=EvidenceLog(), namespace=NS, profile=V2, timeout=1)


def update(action: str, *ids: str) -> dict[str, object]:
    return {"actionType": action, "entities": [{"id": i, "type": "Streetlight"} for i in ids]}


REFUSED = [
    *[("POST", "/op/update", update(a, NS.entity_id("Streetlight"), VENDOR)) for a in ACTIONS],
    ("POST", "/op/update", {"actionType": "delete", "entities": {"id": VENDOR}}),  # lone object
    ("POST", "/op/update", [{"id": VENDOR}]),  # a bare list: a lax server may read it
    ("POST", "/entities", {"id": VENDOR, "type": "Streetlight"}),
    ("POST", "/entities?options=upsert", {"id": VENDOR, "type": "Streetlight"}),
    ("POST", f"/entities/{VENDOR}/attrs", {"x": {"value": 1}}),
    ("PATCH", f"/entities/{VENDOR}/attrs", {"x": {"value": 1}}),
    ("PUT", f"/entities/{VENDOR}/attrs/x/value", 1),
    ("DELETE", f"/entities/{VENDOR}", None),
    ("DELETE", "/entities", None),
    ("DELETE", "/subscriptions/5f1e0aa1", None),  # not created by this run
    ("DELETE", f"/entities/{NS.prefix}a%2F..%2F{VENDOR}", None),  # marked, unsafe in a path
]


@pytest.mark.parametrize(("method", "path", "body"), REFUSED)
def test_vendor_ids_are_refused_and_nothing_is_sent(
    client: Client, server: HttpServer, method: str, path: str, body: object
) -> None:
    kw = {} if body is None else {"json": body}
    with pytest.raises(SafetyError):
        client.request(method, path, **kw)  # type: ignore[arg-type]
    assert server.requests == []
    assert client.evidence.exchanges() == []


def test_a_repeated_entities_member_is_refused(client: Client, server: HttpServer) -> None:
    mine = json.dumps(update("delete", NS.entity_id("Room")))[1:-1]
    raw = "{" + mine + ', "entities": [{"id": "' + VENDOR + '"}]}'
    with pytest.raises(SafetyError, match="repeats"):
        client.post("/op/update", data=raw, headers={"Content-Type": "application/json"})
    assert server.requests == []


def test_own_writes_reads_and_invalid_ids_pass(client: Client, server: HttpServer) -> None:
    client.post("/op/query", json={"entities": [{"id": VENDOR}]})  # only reads
    for action in ACTIONS:
        client.post("/op/update", json=update(action, NS.entity_id("Room")))
    for invalid in ("", f"{NS.prefix}a b", f"{NS.prefix}a/b", [NS.entity_id("Room")]):
        client.post("/entities", json={"id": invalid, "type": "Room"})  # tests of refusals
    assert len(server.requests) == 1 + len(ACTIONS) + 4


def test_batch_created_entities_are_cleaned_up(client: Client, server: HttpServer) -> None:
    ids = [NS.entity_id("Room"), NS.entity_id("Room")]
    client.post("/op/update", json=update("append", *ids))
    client.post("/subscriptions", json={"subject": {}, "notification": {}})
    assert client.created == [*ids, "5f1e0aa1"]
    server.requests.clear()
    assert client.cleanup() == []
    assert [(s.method, s.path) for s in server.requests] == [
        ("DELETE", "/v2/subscriptions/5f1e0aa1"),
        *[("DELETE", f"/v2/entities/{i}") for i in reversed(ids)],
    ]


def test_a_marked_id_unsafe_in_a_path_is_left_not_deleted(client: Client) -> None:
    odd = f"{NS.prefix}a/../{VENDOR}"
    client.post("/entities", json={"id": odd, "type": "Room"})  # a lax server accepts it
    assert client.cleanup() == [odd]  # reported as left behind, never sent as a path
