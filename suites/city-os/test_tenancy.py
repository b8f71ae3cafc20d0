"""Multi-tenancy (NGSILD-Tenant): isolation of entities, subscriptions and batches; tenants (TEN).

The tenants are the system file's `tenants:` (the class needs two; declaring it without them is
a usage error before any request). Writes go only into those tenants (and into the default one
only when the system names no `tenant:` of its own): the client's guard refuses any other.
Reads may name any tenant: an unknown one is read, never written.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from _builders import entity_ids, json_object, probe_entity, probe_type, prop, subscription
from _subscriptions import WAIT

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.profiles.ngsi_ld import PROFILE
from conform.suite import expect_problem, expect_status, quiet_period, requires
from conform.target import writable_tenants

TENANT = PROFILE.tenant_header


def _in(tenant: str | None) -> dict[str, str | None]:
    """Headers naming TENANT (None: the default tenant, no header)."""
    return {TENANT: tenant}


def _where(tenant: str | None) -> str:
    return "the default tenant" if tenant is None else f"tenant {tenant}"


@pytest.fixture
def tenants(target: Any) -> tuple[str, str]:
    """The two tenants the system file names (the class needs them)."""
    first, second = target.tenants[:2]
    return first, second


def _create_in(client: Client, ns: Namespace, tenant: str, suffix: str) -> str:
    """An entity of the run-unique type of SUFFIX, created in TENANT (temperature 20)."""
    eid = ns.entity_id(probe_type(ns, suffix))
    body = probe_entity(eid, probe_type(ns, suffix), temperature=20.0)
    r = client.post("/entities", json=body, headers=_in(tenant))
    with requires("TEN-003"):
        expect_status(r, 201)
    return eid


def _exists_in(client: Client, eid: str, tenant: str) -> dict[str, Any]:
    """The entity as TENANT holds it (the positive control of an isolation test)."""
    r = client.get(f"/entities/{eid}", headers=_in(tenant))
    with requires("TEN-003"):
        expect_status(r, 200)
        return json_object(r, "an entity object")


def _none_listed(r: Response, where: str) -> None:
    """A query from another tenant: nothing (an empty array, or 404 for a tenant never used)."""
    if r.status_code == 404:
        return
    expect_status(r, 200)
    found = entity_ids(r)
    assert found == [], f"expected no entity of the other tenant from {where}, got {found}"


@pytest.mark.req("TEN-001")
def test_entities_are_invisible_from_other_tenants(client, ns, tenants):
    a, b = tenants
    eid = _create_in(client, ns, a, "Ten1")
    _exists_in(client, eid, a)
    for tenant in (b, None):
        r = client.get(f"/entities/{eid}", headers=_in(tenant))
        assert r.status_code == 404, (
            f"expected 404 retrieving tenant {a}'s entity from {_where(tenant)}, "
            f"got {r.status_code} [{r.exchange_id}]"
        )
        r = client.get("/entities", params={"type": probe_type(ns, "Ten1")}, headers=_in(tenant))
        _none_listed(r, _where(tenant))


@pytest.mark.req("TEN-002")
def test_entities_cannot_be_changed_from_other_tenants(client, ns, tenants, target):
    a, b = tenants
    eid = _create_in(client, ns, a, "Ten2")
    others = [t for t in (b, None) if t in writable_tenants(target)]
    for tenant in others:
        r = client.patch(
            f"/entities/{eid}/attrs", json={"temperature": prop(99.0)}, headers=_in(tenant)
        )
        assert r.status_code == 404, (
            f"expected 404 updating tenant {a}'s entity from {_where(tenant)}, "
            f"got {r.status_code} [{r.exchange_id}]"
        )
        r = client.delete(f"/entities/{eid}", headers=_in(tenant))
        assert r.status_code == 404, (
            f"expected 404 deleting tenant {a}'s entity from {_where(tenant)}, "
            f"got {r.status_code} [{r.exchange_id}]"
        )
    r = client.get(f"/entities/{eid}", headers=_in(a))
    assert r.status_code == 200, (
        f"expected the entity still in tenant {a}, got {r.status_code} [{r.exchange_id}]"
    )
    value = json_object(r, "an entity object").get("temperature")
    value = value.get("value") if isinstance(value, dict) else value
    assert value == 20.0, f"expected temperature 20.0 unchanged in tenant {a}, got {value!r}"


@pytest.mark.req("TEN-003")
def test_a_write_creates_its_tenant(client, ns, tenants):
    a, _ = tenants
    eid = ns.entity_id(probe_type(ns, "Ten3"))
    r = client.post(
        "/entities", json=probe_entity(eid, probe_type(ns, "Ten3"), temperature=20.0),
        headers=_in(a),
    )  # fmt: skip
    expect_status(r, 201)
    expect_status(client.get(f"/entities/{eid}", headers=_in(a)), 200)


@pytest.mark.req("TEN-004")
@pytest.mark.read_only
def test_reading_an_unknown_tenant_is_404(client, ns):
    # read only: the guard allows any read. Letters, digits and '_' only: a broker keeping a
    # database per tenant may refuse other characters in a name (400), which is not TEN-004
    unknown = f"conform_{ns.run_id}_never_written"
    r = client.get("/entities", params={"type": probe_type(ns)}, headers=_in(unknown))
    expect_problem(r, 404, "NonexistentTenant")
    r = client.get(f"/entities/{ns.entity_id(probe_type(ns))}", headers=_in(unknown))
    expect_problem(r, 404, "NonexistentTenant")


def _subscribe_in(client: Client, ns: Namespace, receiver: Any, tenant: str, kind: str) -> str:
    body = subscription(ns.subscription_id(), kind, receiver.url)
    r = client.post("/subscriptions", json=body, headers=_in(tenant))
    with requires("SUB-001"):
        expect_status(r, 201)
    return str(body["id"])


def _about(sid: str, eid: str) -> Any:
    def match(note: dict[str, Any]) -> bool:
        data = note.get("data")
        ids = [e.get("id") for e in data if isinstance(e, dict)] if isinstance(data, list) else []
        return note.get("subscriptionId") == sid and eid in ids

    return match


@pytest.mark.req("TEN-005")
@pytest.mark.timed  # see conform/runner/parallel.py
def test_subscriptions_belong_to_their_tenant(client, ns, receiver, tenants):
    a, b = tenants
    kind = probe_type(ns, "Ten5")
    sid = _subscribe_in(client, ns, receiver, a, kind)
    r = client.get(f"/subscriptions/{sid}", headers=_in(b))
    assert r.status_code == 404, (
        f"expected 404 retrieving tenant {a}'s subscription from tenant {b}, "
        f"got {r.status_code} [{r.exchange_id}]"
    )
    t0 = time.monotonic()
    in_b = _create_in(client, ns, b, "Ten5")  # first: its notification would come first
    in_a = _create_in(client, ns, a, "Ten5")
    with requires("SUB-017"):
        receiver.wait_for(_about(sid, in_a), WAIT)  # the positive control
    # a broker need not notify in order: wait as long for the one that must not come
    time.sleep(quiet_period(time.monotonic() - t0))
    wrong = [n for n in receiver.received if isinstance(n.body, dict) and _about(sid, in_b)(n.body)]
    assert not wrong, f"tenant {a}'s subscription notified a change in tenant {b}"


@pytest.mark.req("TEN-006")
def test_notifications_name_their_tenant(client, ns, receiver, tenants):
    a, _ = tenants
    sid = _subscribe_in(client, ns, receiver, a, probe_type(ns, "Ten6"))
    eid = _create_in(client, ns, a, "Ten6")
    with requires("SUB-017"):
        receiver.wait_for(_about(sid, eid), WAIT)
    got = next(
        {k.lower(): v for k, v in n.headers.items()}
        for n in receiver.received
        if isinstance(n.body, dict) and _about(sid, eid)(n.body)
    )
    assert got.get(TENANT.lower()) == a, (
        f"expected the notification's {TENANT} header {a!r}, got {got.get(TENANT.lower())!r}"
    )


@pytest.mark.req("TEN-007")
def test_batch_operations_act_in_their_tenant(client, ns, tenants):
    a, b = tenants
    kind = probe_type(ns, "Ten7")
    ids = [ns.entity_id(kind) for _ in range(2)]
    body = [probe_entity(i, kind, temperature=20.0) for i in ids]
    r = client.post("/entityOperations/create", json=body, headers=_in(a))
    with requires("BAT-001"):
        expect_status(r, 201)
    query = {"type": "Query", "entities": [{"type": kind}]}
    r = client.post("/entityOperations/query", json=query, headers=_in(b))
    _none_listed(r, f"a batch query in tenant {b}")
    client.post("/entityOperations/delete", json=ids, headers=_in(b))
    for eid in ids:
        r = client.get(f"/entities/{eid}", headers=_in(a))
        assert r.status_code == 200, (
            f"expected {eid} still in tenant {a} after a batch delete in tenant {b}, "
            f"got {r.status_code} [{r.exchange_id}]"
        )
