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
JSON_TYPE = {"Content-Type": "application/json"}


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
        client.post("/op/update", data=raw, headers=JSON_TYPE)
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


MINE = NS.entity_id("Room")
# Bodies whose ids the guard cannot read where NGSI v2 puts them: refused whatever they name,
# since a lax server may still find an id in them (the run's own ids included: fail closed).
NOT_THE_DOCUMENTED_SHAPE = [
    ("/op/update", {"actionType": "delete", "entities": {"id": MINE}}),  # a lone object
    ("/op/update", [{"id": MINE}]),  # a bare list
    ("/op/update", {"actionType": "delete"}),  # no entities member
    ("/op/update", {"actionType": "delete", "data": [{"id": VENDOR}]}),  # elsewhere
    ("/op/update", {"actionType": "delete", "entities": [VENDOR]}),  # an item that is a string
    ("/op/update", {"actionType": "delete", "entities": [{"type": "Streetlight"}]}),  # no id
    ("/op/update", {"actionType": "delete", "entities": [{"id": MINE, "idPattern": ".*"}]}),
    ("/op/notify", {"subscriptionId": "5f1e", "data": [{"id": VENDOR, "type": "T"}]}),
    ("/entities", [{"id": MINE, "type": "Room"}]),  # a create is one object
    ("/entities?options=upsert", "x"),
]


@pytest.mark.parametrize(("path", "body"), NOT_THE_DOCUMENTED_SHAPE)
def test_json_not_of_the_documented_shape_is_refused(
    client: Client, server: HttpServer, path: str, body: object
) -> None:
    with pytest.raises(SafetyError, match="cannot be checked"):
        client.post(path, json=body)
    assert server.requests == []


def _text(body: dict[str, object]) -> str:
    return json.dumps(body)[:-1]  # cut short: no longer JSON, still readable to a lax server


NOT_JSON = [
    ("/op/update", _text(update("delete", MINE)), "application/json"),  # only own ids: a batch
    ("/op/update", "actionType=delete&entities=" + VENDOR, "application/x-www-form-urlencoded"),
    ("/op/update", "", "application/json"),
    ("/entities?options=upsert", _text({"id": VENDOR, "type": "Streetlight"}), "application/json"),
    ("/entities", "{id: '" + VENDOR + "', type: 'Streetlight'", "application/json"),  # JSON5
    ("/entities", '{"\\u0069d": "' + MINE + '", "i\\u0064": "' + VENDOR + '"', "application/json"),
    ("/entities", "i%64=" + VENDOR, "application/x-www-form-urlencoded"),
    ("/entities", f'{{"id": "{MINE}", "kid": "{VENDOR}"', "application/json"),  # stray id
    ("/entities", f"<entity><id>{VENDOR}</id></entity>", "application/xml"),
]


@pytest.mark.parametrize(("path", "text", "kind"), NOT_JSON)
def test_a_body_that_is_not_json_is_refused_unless_it_names_only_owned_ids(
    client: Client, server: HttpServer, path: str, text: str, kind: str
) -> None:
    with pytest.raises(SafetyError, match=r"not JSON|outside"):
        client.post(path, data=text, headers={"Content-Type": kind})
    assert server.requests == []


def test_a_utf16_body_is_refused(client: Client, server: HttpServer) -> None:
    body = json.dumps({"id": VENDOR, "type": "Streetlight"}).encode("utf-16")
    with pytest.raises(SafetyError, match="not JSON"):
        client.post("/entities?options=upsert", data=body, headers={"Content-Type": "text/json"})
    assert server.requests == []


def test_broken_bodies_that_name_only_owned_ids_pass_and_are_cleaned_up(
    client: Client, server: HttpServer
) -> None:
    """What the errors suite sends: a cut-short create of an own id (a lax server may create
    it: the ledger remembers it), an XML body naming nothing, a text value by path."""
    client.post("/entities", data=_text({"id": MINE, "type": "Room"}), headers=JSON_TYPE)
    client.post("/entities", data="<entity/>", headers={"Content-Type": "application/xml"})
    text = {"Content-Type": "text/plain"}
    client.put(f"/entities/{MINE}/attrs/s/value", data=f'"{VENDOR}"', headers=text)
    assert [s.method for s in server.requests] == ["POST", "POST", "PUT"]
    assert client.created == [MINE]
