"""Entity types: /v2/types and /v2/types/{entityType} (DISC)."""

from __future__ import annotations

import re

import pytest
from _v2 import create, expect_error, fresh_kind, kind

from conform.suite import expect_header, expect_status


@pytest.fixture
def typed(client, ns):
    t = fresh_kind(ns, "D")
    create(client, {"id": ns.entity_id("Room"), "type": t, "a": {"value": 1}})
    create(
        client, {"id": ns.entity_id("Room"), "type": t, "a": {"value": "s"}, "b": {"value": True}}
    )
    return t


def _all_types(client, **params):
    found, offset = [], 0
    while True:
        r = client.get("/types", params={"limit": 1000, "offset": offset, **params})
        expect_status(r, 200)
        page = r.json()
        found += page
        if len(page) < 1000:
            return found
        offset += 1000


@pytest.mark.req("DISC-001")
def test_list_types(client, typed):
    listed = {t.get("type"): t for t in _all_types(client) if isinstance(t, dict)}
    assert typed in listed, f"type {typed} not listed"
    entry = listed[typed]
    assert entry.get("count") == 2, f"count: got {entry.get('count')}"
    assert sorted(entry["attrs"]["a"]["types"]) == ["Number", "Text"], f"got {entry.get('attrs')}"


@pytest.mark.req("DISC-002")
def test_type_names(client, typed):
    names = _all_types(client, options="values")
    assert all(isinstance(n, str) for n in names) and typed in names, f"{typed} not in names"


@pytest.mark.req("DISC-003")
def test_retrieve_type(client, typed):
    r = client.get(f"/types/{typed}")
    expect_status(r, 200)
    got = r.json()
    assert got.get("count") == 2 and set(got.get("attrs", {})) == {"a", "b"}, f"got {got}"


@pytest.mark.req("DISC-004")
@pytest.mark.read_only
def test_unknown_type_is_404(client, ns):
    expect_error(client.get(f"/types/{kind(ns, 'None')}"), 404, "NotFound")


@pytest.mark.req("DISC-005")
@pytest.mark.serial  # see conform/runner/parallel.py
def test_type_paging_and_count(client, typed):
    def first():
        r = client.get("/types", params={"limit": 1, "options": "count"})
        expect_status(r, 200)
        return r, expect_header(r, "Fiware-Total-Count", re.compile(r"\d+"))

    # a live system's other clients may create types meanwhile: compare only when the count
    # held still around the listing, else we could not test (error, not failed)
    for _ in range(3):
        (r, before), names, (_, after) = first(), _all_types(client, options="values"), first()
        if before == after:
            break
    else:
        raise RuntimeError("the number of entity types kept changing while being listed")
    assert len(r.json()) == 1, f"limit 1: got {len(r.json())}"
    expect_header(r, "Fiware-Total-Count", str(len(names)))
