"""ERR-024: requests that clearly violate the OpenAPI parameter or body schemas get a 4xx.

Only violations no NGSI-LD leniency covers: a non-integer `limit`, a non-boolean `count`, an
entity whose `type` is a number, an entity body that is a JSON array.
"""

from __future__ import annotations

import pytest
from _builders import probe_type

from conform.http import Client, Response
from conform.namespace import Namespace


def _expect_4xx(r: Response, what: str) -> None:
    if not 400 <= r.status_code < 500:
        raise AssertionError(
            f"{what}: expected a 4xx rejection, got {r.status_code} [{r.exchange_id}]"
        )


@pytest.mark.req("ERR-024")
@pytest.mark.read_only
@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("/entities", "limit", "abc"),
        ("/entities", "count", "maybe"),
        ("/subscriptions", "limit", "abc"),
    ],
)
def test_query_parameter_of_the_wrong_type_is_rejected(
    client: Client, ns: Namespace, path: str, param: str, value: str
) -> None:
    params = {param: value, **({"type": probe_type(ns)} if path == "/entities" else {})}
    _expect_4xx(client.get(path, params=params), f"GET {path} with {param}={value}")


@pytest.mark.req("ERR-024")
def test_entity_body_violating_the_schema_is_rejected(client: Client, ns: Namespace) -> None:
    numeric_type = {"id": ns.entity_id(probe_type(ns)), "type": 42}
    _expect_4xx(client.post("/entities", json=numeric_type), "POST /entities with a numeric type")
    _expect_4xx(client.post("/entities", json=[numeric_type]), "POST /entities with an array")
