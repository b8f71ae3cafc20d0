"""Errors and content class: problem details, negotiation, @context rules, 405/406/411/415."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from conform.reference.messages import CONTEXT_LINK, CORE_CONTEXT
from reference.helpers import eid, expect_problem, prop

LD = "application/ld+json"


def _create(http, api) -> str:
    entity_id = eid()
    assert (
        http.post(
            f"{api}/entities", json={"id": entity_id, "type": "Thing", "a": prop(1)}
        ).status_code
        == 201
    )
    return entity_id


def test_errors_are_problem_details(http, api):
    """ERR-001, ERR-002, ERR-003, ERR-004, ERR-018: even when ld+json was asked for."""
    response = http.get(f"{api}/entities/urn:ngsi-ld:Thing:none", headers={"Accept": LD})
    body = expect_problem(response, 404, "ResourceNotFound")
    assert "Link" not in response.headers
    assert body["status"] == 404


def test_accept_negotiation(http, api):
    """ERR-005, ERR-011, ERR-012, ERR-016, ERR-017."""
    url = f"{api}/entities/{_create(http, api)}"
    refused = http.get(url, headers={"Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.headers["Content-Type"] == "application/json"
    plain = http.get(url, headers={"Accept": "*/*"})
    assert plain.headers["Content-Type"] == "application/json"
    assert plain.headers["Link"] == CONTEXT_LINK
    assert "@context" not in plain.json()
    ld = http.get(url, headers={"Accept": LD})
    assert ld.headers["Content-Type"] == LD
    assert ld.json()["@context"] == CORE_CONTEXT
    assert "Link" not in ld.headers
    geo_elsewhere = http.get(f"{api}/types", headers={"Accept": "application/geo+json"})
    assert geo_elsewhere.status_code == 406


def test_missing_accept_means_json(api):
    """ERR-016: no Accept header at all."""
    parts = urlsplit(api)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.putrequest("GET", f"{parts.path}/types", skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    connection.close()


def test_request_media_types(http, api):
    """ERR-006, ERR-008, ERR-009, ERR-019."""
    response = http.post(f"{api}/entities", data="{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["status"] == 415
    headers = {"Content-Type": "application/json"}
    expect_problem(
        http.post(f"{api}/entities", data="{nope", headers=headers), 400, "InvalidRequest"
    )
    expect_problem(http.post(f"{api}/entities", data="[1]", headers=headers), 400, "InvalidRequest")
    entity_id = _create(http, api)
    merge = {"Content-Type": "application/merge-patch+json"}
    patched = http.patch(
        f"{api}/entities/{entity_id}/attrs", data=json.dumps({"a": prop(2)}), headers=merge
    )
    assert patched.status_code == 204
    refused = http.post(f"{api}/entities/{entity_id}/attrs", data="{}", headers=merge)
    assert refused.status_code == 415


def test_length_required_for_chunked_bodies(http, api):
    """ERR-007: a body without Content-Length (chunked) is 411, and the connection stays usable."""
    chunks = iter([json.dumps({"id": eid(), "type": "Thing"}).encode()])
    response = http.post(
        f"{api}/entities", data=chunks, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 411
    assert http.get(f"{api}/types").status_code == 200


def test_unknown_options_is_invalid_request_before_lookup(http, api):
    """ERR-010."""
    url = f"{api}/entities/urn:ngsi-ld:Thing:unknown"
    expect_problem(http.get(url, params={"options": "bogus"}), 400, "InvalidRequest")


def test_context_rules(http, api):
    """ERR-013, ERR-014, ERR-015: @context in body vs Link header."""
    body = {"id": eid(), "type": "Thing", "a": prop(1)}
    ld_headers = {"Content-Type": LD}
    without_context = http.post(f"{api}/entities", data=json.dumps(body), headers=ld_headers)
    expect_problem(without_context, 400, "BadRequestData")
    with_link = {**ld_headers, "Link": CONTEXT_LINK}
    both = http.post(
        f"{api}/entities", data=json.dumps({**body, "@context": CORE_CONTEXT}), headers=with_link
    )
    expect_problem(both, 400, "BadRequestData")
    json_with_context = http.post(f"{api}/entities", json={**body, "@context": CORE_CONTEXT})
    expect_problem(json_with_context, 400, "BadRequestData")
    accepted = http.post(
        f"{api}/entities", data=json.dumps({**body, "@context": CORE_CONTEXT}), headers=ld_headers
    )
    assert accepted.status_code == 201
    assert "@context" not in http.get(f"{api}/entities/{body['id']}").json()


def test_unsupported_method_is_405_with_allow(http, api):
    """ERR-020."""
    response = http.put(f"{api}/entities", json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert http.delete(f"{api}/types").headers["Allow"] == "GET"


def test_openapi_is_served(http, server):
    """The bundle's OpenAPI document is served at /openapi.yaml."""
    response = http.get(f"{server.url}/openapi.yaml")
    assert response.status_code == 200
    assert response.text.startswith(("openapi:", "#")) or "openapi:" in response.text
