"""Batch operations (op/update with every actionType, op/query) and type discovery."""

from __future__ import annotations

from typing import Any

from reference_v2.helpers import V2, expect_error


def _update(v2: V2, action: str, entities: list[dict[str, Any]], **params: Any) -> Any:
    return v2(
        "POST", "/op/update", params=params, json={"actionType": action, "entities": entities}
    )


def _kv(v2: V2, entity_id: str) -> Any:
    return v2("GET", f"/entities/{entity_id}", params={"options": "keyValues"})


def test_update_actions(v2: V2, kind: str) -> None:
    a, b = f"{kind}-a", f"{kind}-b"
    assert _update(v2, "append", [{"id": a, "type": kind, "x": {"value": 1}}]).status_code == 204
    assert (
        _update(v2, "append", [{"id": a, "type": kind, "y": 2}], options="keyValues").status_code
        == 204
    )
    assert _kv(v2, a).json() == {"id": a, "type": kind, "x": 1, "y": 2}
    expect_error(
        _update(v2, "appendStrict", [{"id": a, "type": kind, "x": {"value": 9}}]),
        422,
        "Unprocessable",
    )
    assert _kv(v2, a).json()["x"] == 1
    assert _update(v2, "update", [{"id": a, "type": kind, "x": {"value": 3}}]).status_code == 204
    expect_error(
        _update(v2, "update", [{"id": b, "type": kind, "x": {"value": 3}}]), 404, "NotFound"
    )
    assert _update(v2, "replace", [{"id": a, "type": kind, "z": {"value": 0}}]).status_code == 204
    assert _kv(v2, a).json() == {"id": a, "type": kind, "z": 0}
    assert (
        _update(v2, "appendStrict", [{"id": b, "type": kind, "w": {"value": 1}}]).status_code == 204
    )
    assert _update(v2, "delete", [{"id": b, "type": kind, "w": {}}]).status_code == 204
    assert _kv(v2, b).json() == {"id": b, "type": kind}
    assert (
        _update(v2, "delete", [{"id": a, "type": kind}, {"id": b, "type": kind}]).status_code == 204
    )
    expect_error(_kv(v2, a), 404, "NotFound")
    expect_error(_update(v2, "upsert", [{"id": a, "type": kind}]), 400, "BadRequest")


def test_op_query(v2: V2, kind: str) -> None:
    for n in range(3):
        v2.create(
            {"id": f"{kind}-{n}", "type": kind, "n": n, "s": "x"}, params={"options": "keyValues"}
        )
    body: dict[str, object] = {"entities": [{"idPattern": "-[01]$", "type": kind}]}
    assert [e["id"] for e in v2("POST", "/op/query", json=body).json()] == [
        f"{kind}-0",
        f"{kind}-1",
    ]
    body = {
        "entities": [{"idPattern": ".*", "type": kind}],
        "attrs": ["n"],
        "expression": {"q": "n>0"},
    }
    got = v2("POST", "/op/query", json=body).json()
    assert [set(e) for e in got] == [{"id", "type", "n"}] * 2
    r = v2(
        "POST",
        "/op/query",
        params={"options": "count", "limit": 1},
        json={"entities": [{"type": kind}]},
    )
    assert len(r.json()) == 1 and r.headers["Fiware-Total-Count"] == "3"


def test_types(v2: V2, kind: str) -> None:
    v2.create({"id": f"{kind}-1", "type": kind, "a": {"value": 1}})
    v2.create({"id": f"{kind}-2", "type": kind, "a": {"value": "s"}})
    info = v2("GET", f"/types/{kind}").json()
    assert info == {"attrs": {"a": {"types": ["Number", "Text"]}}, "count": 2}
    listed = {t["type"]: t for t in v2("GET", "/types", params={"limit": 1000}).json()}
    assert listed[kind]["count"] == 2
    assert kind in v2("GET", "/types", params={"options": "values", "limit": 1000}).json()
    r = v2("GET", "/types", params={"options": "count", "limit": 1})
    assert len(r.json()) == 1 and int(r.headers["Fiware-Total-Count"]) >= 1
    expect_error(v2("GET", "/types/NoSuchType0"), 404, "NotFound")
