"""Multi-tenancy: the system's Fiware-Service isolates, Fiware-ServicePath scopes (TEN).

The service is the system file's `tenant:` (sent as Fiware-Service); none is ever invented.
Reads in the default service drop the header; service paths are created below one named after
the run and the test (`/conform_<run>_<type>`), inside the system's service, and deleted there.
"""

from __future__ import annotations

import pytest
from _v2 import create, expect_error, fresh_kind, kind, notified, query_ids, subscribe

from conform.suite import expect_status

NO_SERVICE = {"Fiware-Service": None}


@pytest.fixture
def service(target) -> str:
    """The system's Fiware-Service; a system without one cannot be tested for tenancy."""
    if not target.tenant:
        raise LookupError("the system file names no tenant (Fiware-Service): cannot test tenancy")
    return str(target.tenant)


def _path(ns, t: str) -> str:
    """A service path of the run for type T (letters, digits and _ only)."""
    return f"/conform_{ns.run_id}_{t}"


def _in(path: str) -> dict[str, str]:
    return {"Fiware-ServicePath": path}


@pytest.mark.req("TEN-001")
def test_service_isolation(client, ns, service):
    t = fresh_kind(ns, "Ten")
    eid = create(client, {"id": ns.entity_id("Room"), "type": t})
    assert query_ids(client, t) == [eid], "not visible in its own service"
    r = client.get("/entities", params={"type": t, "id": eid}, headers=NO_SERVICE)
    if r.status_code == 200:
        assert r.json() == [], "the entity is visible in the default service"
    else:
        assert 400 <= r.status_code < 500, f"expected 200 or a 4xx, got {r.status_code}"


@pytest.mark.req("TEN-002")
def test_subscription_belongs_to_service(client, ns, receiver, service):
    sid = subscribe(client, receiver, kind(ns, "Ten"))
    expect_error(client.get(f"/subscriptions/{sid}", headers=NO_SERVICE), 404, "NotFound")


@pytest.fixture
def in_path(client, ns):
    """Creates an entity in a service path; deletes it there afterwards (a delete without the
    header would not reach it, so the run's cleanup could not)."""
    made: list[tuple[str, str]] = []

    def create_in(t: str, path: str) -> str:
        eid = ns.entity_id("Room")
        r = client.post("/entities", json={"id": eid, "type": t}, headers=_in(path))
        made.append((eid, path))
        expect_status(r, 201)
        return eid

    yield create_in
    for eid, path in made:
        client.delete(f"/entities/{eid}", headers=_in(path))


@pytest.fixture
def paths(ns, service, in_path):
    """Entities in /conform_<run>_<n>, and in /b and /c below it."""
    t = fresh_kind(ns, "Path")
    root = _path(ns, t)
    return (
        t,
        root,
        {level: in_path(t, f"{root}/{level}" if level else root) for level in ("", "b", "c")},
    )


@pytest.mark.req("TEN-003")
def test_service_path_scoping(client, paths):
    t, root, made = paths
    got = _ids_in(client, t, f"{root}/b")
    assert got == [made["b"]], f"/b: got {got}"
    got = _ids_in(client, t, root)
    assert got == [made[""]], f"the parent path alone: got {got}"


@pytest.mark.req("TEN-004")
def test_hierarchical_service_path(client, paths):
    t, root, made = paths
    got = _ids_in(client, t, root + "/#")
    assert sorted(got) == sorted(made.values()), f"/#: got {got}"


@pytest.mark.req("TEN-005")
def test_disjoint_service_paths(client, paths):
    t, root, made = paths
    got = _ids_in(client, t, f"{root}/b, {root}/c")
    assert sorted(got) == sorted([made["b"], made["c"]]), f"two paths: got {got}"


@pytest.mark.req("TEN-006")
@pytest.mark.read_only
def test_relative_service_path_is_400(client, ns, service):
    r = client.get("/entities", params={"type": kind(ns)}, headers=_in("relative"))
    expect_error(r, 400, "BadRequest")


@pytest.mark.req("TEN-007")
@pytest.mark.read_only
def test_invalid_service_name_is_400(client, ns):
    r = client.get("/entities", params={"type": kind(ns)}, headers={"Fiware-Service": "bad-name!"})
    expect_error(r, 400, "BadRequest")


@pytest.mark.req("TEN-008")
def test_notification_service_headers(client, ns, receiver, service, in_path):
    t = fresh_kind(ns, "Ten")
    sid = subscribe(client, receiver, t)
    in_path(t, _path(ns, t))
    notified(receiver, sid)
    headers = next(
        {k.lower(): v for k, v in r.headers.items()}
        for r in receiver.received
        if isinstance(r.body, dict) and r.body.get("subscriptionId") == sid
    )
    assert headers.get("fiware-service", "").lower() == service.lower(), f"got {headers}"
    assert headers.get("fiware-servicepath") == _path(ns, t), f"got {headers}"


def _ids_in(client, t, path):
    r = client.get("/entities", params={"type": t, "limit": 100}, headers=_in(path))
    expect_status(r, 200)
    return [e.get("id") for e in r.json()]
