"""Batch operations: /v2/op/update with every actionType, /v2/op/query (BAT)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _v2 import create, expect_error, fresh_kind, key_values

from conform.suite import expect_header, expect_status


@pytest.fixture
def batch_ids(client, ns) -> Iterator[list[str]]:
    """Ids a test writes through op/update (which the ledger does not see): deleted after."""
    made: list[str] = []
    yield made
    for eid in made:
        client.delete(f"/entities/{eid}")


def _update(client, action, entities, **params):
    return client.post(
        "/op/update", json={"actionType": action, "entities": entities}, params=params or None
    )


@pytest.mark.req("BAT-001")
def test_append(client, ns, batch_ids):
    t = fresh_kind(ns, "B")
    old = create(client, {"id": ns.entity_id("Room"), "type": t, "a": {"value": 1}})
    new = ns.entity_id("Room")
    batch_ids.append(new)
    r = _update(
        client,
        "append",
        [
            {"id": old, "type": t, "a": {"value": 2}, "b": {"value": 3}},
            {"id": new, "type": t, "c": {"value": 4}},
        ],
    )
    expect_status(r, 204)
    assert key_values(client, old) == {"id": old, "type": t, "a": 2, "b": 3}
    assert key_values(client, new) == {"id": new, "type": t, "c": 4}


@pytest.mark.req("BAT-002")
def test_append_strict(client, ns):
    t = fresh_kind(ns, "B")
    eid = create(client, {"id": ns.entity_id("Room"), "type": t, "a": {"value": 1}})
    expect_error(
        _update(client, "appendStrict", [{"id": eid, "type": t, "a": {"value": 9}}]),
        422,
        "Unprocessable",
    )
    assert key_values(client, eid)["a"] == 1, "the attribute changed"


@pytest.mark.req("BAT-003")
def test_update(client, ns):
    t = fresh_kind(ns, "B")
    eid = create(client, {"id": ns.entity_id("Room"), "type": t, "a": {"value": 1}})
    expect_status(_update(client, "update", [{"id": eid, "type": t, "a": {"value": 5}}]), 204)
    assert key_values(client, eid)["a"] == 5


@pytest.mark.req("BAT-004")
def test_update_of_missing_entities_is_404(client, ns):
    t = fresh_kind(ns, "B")
    for action in ("update", "delete", "replace"):
        r = _update(client, action, [{"id": ns.entity_id("Nothing"), "type": t, "a": {"value": 1}}])
        expect_error(r, 404, "NotFound")


@pytest.mark.req("BAT-005")
def test_replace(client, ns):
    t = fresh_kind(ns, "B")
    eid = create(
        client, {"id": ns.entity_id("Room"), "type": t, "a": {"value": 1}, "b": {"value": 2}}
    )
    expect_status(_update(client, "replace", [{"id": eid, "type": t, "z": {"value": 0}}]), 204)
    assert key_values(client, eid) == {"id": eid, "type": t, "z": 0}


@pytest.mark.req("BAT-006")
def test_delete(client, ns):
    t = fresh_kind(ns, "B")
    one = create(
        client, {"id": ns.entity_id("Room"), "type": t, "a": {"value": 1}, "b": {"value": 2}}
    )
    two = create(client, {"id": ns.entity_id("Room"), "type": t})
    expect_status(_update(client, "delete", [{"id": one, "type": t, "a": {}}]), 204)
    assert key_values(client, one) == {"id": one, "type": t, "b": 2}
    expect_status(_update(client, "delete", [{"id": two, "type": t}]), 204)
    expect_error(client.get(f"/entities/{two}"), 404, "NotFound")


@pytest.mark.req("BAT-007")
def test_key_values(client, ns, batch_ids):
    t = fresh_kind(ns, "B")
    eid = ns.entity_id("Room")
    batch_ids.append(eid)
    r = _update(client, "append", [{"id": eid, "type": t, "a": 1, "s": "x"}], options="keyValues")
    expect_status(r, 204)
    assert key_values(client, eid) == {"id": eid, "type": t, "a": 1, "s": "x"}


@pytest.mark.req("BAT-008")
def test_unknown_action_type(client, ns):
    t = fresh_kind(ns, "B")
    eid = ns.entity_id("Room")
    expect_error(_update(client, "upsertAll", [{"id": eid, "type": t}]), 400, "BadRequest")
    assert client.get(f"/entities/{eid}").status_code == 404, "an entity was created"


@pytest.fixture
def three(client, ns):
    t = fresh_kind(ns, "BQ")
    return t, [
        create(
            client, {"id": ns.entity_id("Room"), "type": t, "n": {"value": n}, "s": {"value": "x"}}
        )
        for n in range(3)
    ]


@pytest.mark.req("BAT-009")
def test_query_by_entities(client, three):
    t, (_, _, e2) = three
    r = client.post("/op/query", json={"entities": [{"idPattern": f"^{e2}$", "type": t}]})
    expect_status(r, 200)
    assert [e["id"] for e in r.json()] == [e2], f"got {r.text[:200]}"


@pytest.mark.req("BAT-010")
def test_query_expression_and_attrs(client, three):
    t, (_, e1, e2) = three
    body = {
        "entities": [{"idPattern": ".*", "type": t}],
        "attrs": ["n"],
        "expression": {"q": "n>0"},
    }
    r = client.post("/op/query", json=body)
    expect_status(r, 200)
    got = r.json()
    assert sorted(e["id"] for e in got) == sorted([e1, e2]), f"got {r.text[:200]}"
    assert all(sorted(e) == ["id", "n", "type"] for e in got), (
        f"got members {[sorted(e) for e in got]}"
    )


@pytest.mark.req("BAT-011")
def test_query_count_and_limit(client, three):
    t, _ = three
    r = client.post(
        "/op/query",
        json={"entities": [{"idPattern": ".*", "type": t}]},
        params={"options": "count", "limit": 2},
    )
    expect_status(r, 200)
    assert len(r.json()) == 2, f"limit 2: got {len(r.json())}"
    expect_header(r, "Fiware-Total-Count", "3")
