"""Fiware-Service isolation and Fiware-ServicePath scoping."""

from __future__ import annotations

from reference_v2.helpers import V2, expect_error

from reference.helpers import Receiver

SERVICE = {"Fiware-Service": "cityA"}


def _ids(v2: V2, kind: str, path: str) -> list[str]:
    headers = {**SERVICE, "Fiware-ServicePath": path}
    return [e["id"] for e in v2("GET", "/entities", params={"type": kind}, headers=headers).json()]


def test_service_isolation(v2: V2, receiver: Receiver, kind: str) -> None:
    v2.create({"id": f"{kind}-1", "type": kind}, headers=SERVICE)
    assert v2("GET", "/entities", params={"type": kind}).json() == []
    assert len(v2("GET", "/entities", params={"type": kind}, headers=SERVICE).json()) == 1
    r = v2(
        "POST",
        "/subscriptions",
        headers=SERVICE,
        json={
            "subject": {"entities": [{"idPattern": ".*", "type": kind}]},
            "notification": {"http": {"url": receiver.url}},
        },
    )
    sid = r.headers["Location"].rsplit("/", 1)[1]
    expect_error(v2("GET", f"/subscriptions/{sid}"), 404, "NotFound")
    v2("POST", f"/entities/{kind}-1/attrs", headers=SERVICE, json={"a": {"value": 1}})
    receiver.wait_for(1)
    assert receiver.headers[0]["Fiware-Service"] == "citya"
    assert receiver.headers[0]["Fiware-ServicePath"] == "/"
    expect_error(v2("GET", "/entities", headers={"Fiware-Service": "bad-name"}), 400, "BadRequest")


def test_service_paths(v2: V2, kind: str) -> None:
    for path, n in (("/a", 0), ("/a/b", 1), ("/a/c", 2)):
        v2.create(
            {"id": f"{kind}-{n}", "type": kind}, headers={**SERVICE, "Fiware-ServicePath": path}
        )
    assert _ids(v2, kind, "/a/b") == [f"{kind}-1"]
    assert _ids(v2, kind, "/a") == [f"{kind}-0"]
    assert _ids(v2, kind, "/a/#") == [f"{kind}-0", f"{kind}-1", f"{kind}-2"]
    assert _ids(v2, kind, "/a/b, /a/c") == [f"{kind}-1", f"{kind}-2"]
    expect_error(
        v2("GET", "/entities", headers={**SERVICE, "Fiware-ServicePath": "a"}), 400, "BadRequest"
    )
