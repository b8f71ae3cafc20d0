"""Orion's error names and codes, syntax restrictions and media types."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from reference_v2.helpers import V2, expect_error

from conform.reference.ngsi_v2 import ReferenceServerV2


def test_syntax_restrictions(v2: V2, kind: str) -> None:
    for bad in (f"{kind} x", f"{kind}&x", f"{kind}?x", f"{kind}#x", "", "x" * 257):
        expect_error(v2("POST", "/entities", json={"id": bad, "type": kind}), 400, "BadRequest")
    expect_error(v2("POST", "/entities", json={"id": 5, "type": kind}), 400, "BadRequest")
    expect_error(
        v2("POST", "/entities", json={"id": f"{kind}-1", "type": ["x"]}), 400, "BadRequest"
    )
    for char in "<>\"'=;()":
        r = v2(
            "POST", "/entities", json={"id": f"{kind}-v", "type": kind, "a": {"value": f"x{char}"}}
        )
        expect_error(r, 400, "BadRequest")
    expect_error(
        v2("POST", "/entities", json={"id": f"{kind}-n", "type": kind, "a b": {"value": 1}}),
        400,
        "BadRequest",
    )
    assert v2("GET", "/entities", params={"type": kind}).json() == []


def test_http_layer_errors(server: ReferenceServerV2, v2: V2, kind: str) -> None:
    expect_error(v2("PATCH", "/entities", json={}), 405, "MethodNotAlowed")
    for method in ("TRACE", "QUERY"):  # unknown to http.server too: still 405, never 501
        expect_error(v2(method, "/entities"), 405, "MethodNotAlowed")
    r = v2(
        "POST",
        "/subscriptions",
        json={"subject": {"entities": [{"id": "x"}]}, "notification": None},
    )
    expect_error(r, 400, "BadRequest")
    expect_error(
        v2("POST", "/entities", data="{", headers={"Content-Type": "application/json"}),
        400,
        "ParseError",
    )
    expect_error(
        v2("POST", "/entities", data="<e/>", headers={"Content-Type": "text/xml"}),
        415,
        "UnsupportedMediaType",
    )
    expect_error(
        v2("GET", "/entities", headers={"Accept": "application/xml"}), 406, "NotAcceptable"
    )
    big = {"id": f"{kind}-big", "type": kind, "a": {"value": "x" * (1024 * 1024)}}
    expect_error(v2("POST", "/entities", json=big), 413, "RequestEntityTooLarge")
    r = v2(
        "POST",
        "/entities",
        data=iter([b'{"id": "%s-c"}' % kind.encode()]),
        headers={"Content-Type": "application/json"},
    )
    expect_error(r, 411, "ContentLengthRequired")
    assert v2("GET", "/entities", params={"type": kind}).json() == []
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=5)
    connection.request("GET", "/v2/entities?limit=1")
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "application/json"
    connection.close()
