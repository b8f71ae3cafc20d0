"""Helpers for the NGSI v2 reference-server tests: a /v2 client, error checks."""

from __future__ import annotations

from typing import Any

import requests


class V2:
    """A keep-alive session whose paths are relative to /v2."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.session = requests.Session()

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.root + path, **kwargs)

    def create(self, entity: dict[str, Any], **kwargs: Any) -> None:
        r = self("POST", "/entities", json=entity, **kwargs)
        assert r.status_code == 201, r.text


def expect_error(response: requests.Response, status: int, name: str) -> dict[str, Any]:
    """Assert an NGSI v2 error answer `{"error": NAME, "description": ...}`."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == name, body
    assert isinstance(body.get("description"), str)
    return body
