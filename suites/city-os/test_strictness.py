"""Strictness of city-os 1.1: unknown and unsupported parameters are refused, not ignored;
JSON-LD partial updates; a batch update with noOverwrite reports what it kept (207).
"""

from __future__ import annotations

import json

import pytest
from _builders import (
    attr_value,
    create,
    create_probe,
    expect_problem_any,
    probe_entity,
    probe_type,
    prop,
    read_entity,
)

from conform.profiles.ngsi_ld import CORE_CONTEXT
from conform.suite import expect_json_equal, expect_status

LD = "application/ld+json"
_BAD_PARAMETER = ("InvalidRequest", "BadRequestData")


@pytest.mark.req("CORE-030")
def test_partial_update_accepts_json_ld_body(client, ns):
    eid = create_probe(client, ns)["id"]
    body = {"value": 25.0, "@context": CORE_CONTEXT}
    r = client.patch(f"/entities/{eid}/attrs/temperature", json=body, headers={"Content-Type": LD})
    expect_status(r, 204)
    got = read_entity(client, eid).get("temperature")
    expect_json_equal(attr_value(got), 25.0, "/temperature/value")
    assert "@context" not in got, f"expected no @context sub-attribute, got {got!r}"


@pytest.mark.req("ERR-025")
@pytest.mark.read_only
def test_unknown_query_parameter_on_query_is_400(client, ns):
    r = client.get("/entities", params={"type": probe_type(ns), "conformUnknown": "1"})
    expect_problem_any(r, 400, _BAD_PARAMETER)


@pytest.mark.req("ERR-025")
def test_unknown_query_parameter_on_retrieve_is_400(client, ns):
    eid = create_probe(client, ns)["id"]
    r = client.get(f"/entities/{eid}", params={"conformUnknown": "1"})
    expect_problem_any(r, 400, _BAD_PARAMETER)


@pytest.mark.req("BAT-014")
def test_batch_update_no_overwrite_reports_kept_attributes(client, ns):
    eid = ns.entity_id(probe_type(ns))
    create(client, probe_entity(eid, probe_type(ns), temperature=21.5))
    item = probe_entity(eid, probe_type(ns), temperature=30.0, humidity=prop(0.4))
    r = client.post("/entityOperations/update", params={"options": "noOverwrite"}, json=[item])
    expect_status(r, 207)
    body = r.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    mine = [e for e in errors or [] if isinstance(e, dict) and e.get("entityId") == eid]
    assert mine and "temperature" in json.dumps(mine), (
        f"expected an errors entry for {eid} naming temperature, got {r.text[:200]} "
        f"[{r.exchange_id}]"
    )
    got = read_entity(client, eid)
    expect_json_equal(attr_value(got.get("temperature")), 21.5, "/temperature")
    expect_json_equal(attr_value(got.get("humidity")), 0.4, "/humidity")
