"""Query (QRY-001..013): type, id, idPattern, attrs and q filters; keyValues and GeoJSON forms.

Every query names a run-unique type (or restricts idPattern to the run), so vendor data never
changes a result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from _builders import (
    attr_value,
    created,
    entity_list,
    expect_ids,
    expect_problem_any,
    geo,
    id_pattern,
    point,
    probe_entity,
    probe_type,
    query,
)

from conform.suite import (
    expect_json_equal,
    expect_media_type,
    expect_problem,
)
from conform.suite.expect import shape_of

COLORS = ("red", "green", "blue", "red", "green", "blue")
BAD_Q = ("seq==", "(seq==1", "seq==1;", "==3")


@dataclass(frozen=True)
class Dataset:
    """Entities one module created: `main` of type `type_`, `other` of `other_type`."""

    type_: str
    other_type: str
    marker: str  # an attribute name only this run uses
    main: tuple[dict[str, Any], ...]
    other: tuple[dict[str, Any], ...]

    def ids(self, pred: Any = lambda e: True) -> set[str]:
        """Ids of the main entities whose normalized body satisfies PRED."""
        return {e["id"] for e in self.main if pred(e)}


@pytest.fixture(scope="module")
def data(conform_context) -> Iterator[Dataset]:
    """Six entities of a probe type (seq 1..6, color, level) and two of a second probe type."""
    ns = conform_context.namespace
    type_, other_type, marker = probe_type(ns, "Q"), probe_type(ns, "R"), f"mark{ns.run_id}"
    main = []
    for seq, color in enumerate(COLORS, start=1):
        attrs: dict[str, Any] = {"seq": seq, "color": color, "level": 1 + seq % 2}
        attrs["location"] = geo(point(139.0 + seq / 100, 35.0))
        if seq in (2, 5):
            attrs[marker] = "yes"
        main.append(probe_entity(ns.entity_id(type_), type_, **attrs))
    other = [
        probe_entity(ns.entity_id(other_type), other_type, seq=seq, **{marker: "no"})
        for seq in (1, 2)
    ]
    with created(conform_context.client, [*main, *other]):
        yield Dataset(type_, other_type, marker, tuple(main), tuple(other))


@pytest.mark.req("QRY-001")
def test_query_by_type(client, data):
    r = query(client, type=data.type_)
    expect_ids(r, data.ids(), f"type={data.type_}")
    types = {e.get("type") for e in entity_list(r)}
    assert types == {data.type_}, f"expected only type {data.type_}, got {sorted(map(str, types))}"


@pytest.mark.req("QRY-002")
def test_query_by_id(client, data):
    a, c = data.main[0]["id"], data.main[2]["id"]
    expect_ids(query(client, type=data.type_, id=f"{a},{c}"), {a, c}, "id=a,c")


@pytest.mark.req("QRY-003")
def test_query_by_id_pattern(client, ns, data):
    a, c = data.main[0]["id"], data.main[2]["id"]
    # ids hold only letters, digits, ':' and '-': no escaping needed in any regex dialect
    expect_ids(query(client, type=data.type_, idPattern=f"^({a}|{c})$"), {a, c}, "idPattern")
    everything = query(client, type=data.type_, idPattern=id_pattern(ns))
    expect_ids(everything, data.ids(), "idPattern matching the run")


@pytest.mark.req("QRY-004")
@pytest.mark.read_only
def test_query_without_type_attrs_or_q_is_400(client, ns):
    for params in ({}, {"idPattern": id_pattern(ns)}, {"id": ns.entity_id(probe_type(ns))}):
        r = client.get("/entities", params=params)
        expect_problem(r, 400, "BadRequestData")


@pytest.mark.req("QRY-005")
def test_attrs_filters_entities_and_attributes(client, ns, data):
    r = query(client, attrs=data.marker, idPattern=id_pattern(ns))
    marked = {e["id"] for e in (*data.main, *data.other) if data.marker in e}
    expect_ids(r, marked, f"attrs={data.marker}")
    for entity in entity_list(r):
        assert set(entity) - {"@context"} == {"id", "type", data.marker}, (
            f"expected only id, type, {data.marker}, got {sorted(entity)}"
        )


def _expect_q(client, data: Dataset, q: str, pred: Any) -> None:
    expect_ids(query(client, type=data.type_, q=q), data.ids(pred), f"q={q}")


def _seq(entity: dict[str, Any]) -> int:
    return int(entity["seq"]["value"])


@pytest.mark.req("QRY-006")
def test_q_equality(client, data):
    _expect_q(client, data, "seq==3", lambda e: _seq(e) == 3)
    _expect_q(client, data, 'color=="red"', lambda e: e["color"]["value"] == "red")


@pytest.mark.req("QRY-007")
@pytest.mark.parametrize(
    ("op", "pred"),
    [
        (">", lambda s: s > 4),
        ("<", lambda s: s < 3),
        (">=", lambda s: s >= 5),
        ("<=", lambda s: s <= 2),
        ("!=", lambda s: s != 3),
    ],
    ids=["gt", "lt", "ge", "le", "ne"],
)
def test_q_comparison(client, data, op, pred):
    number = {">": 4, "<": 3, ">=": 5, "<=": 2, "!=": 3}[op]
    _expect_q(client, data, f"seq{op}{number}", lambda e: pred(_seq(e)))


@pytest.mark.req("QRY-008")
def test_q_and(client, data):
    _expect_q(client, data, "seq>1;level==2", lambda e: _seq(e) > 1 and _seq(e) % 2 == 1)


@pytest.mark.req("QRY-009")
def test_q_or(client, data):
    _expect_q(client, data, "seq==1|seq==3", lambda e: _seq(e) in (1, 3))


@pytest.mark.req("QRY-010")
@pytest.mark.read_only
@pytest.mark.parametrize("q", BAD_Q)
def test_invalid_q_is_400(client, ns, q):
    r = client.get("/entities", params={"type": probe_type(ns, "Q"), "q": q})
    expect_problem_any(r, 400, ("InvalidRequest", "BadRequestData"))


@pytest.mark.req("QRY-011")
@pytest.mark.read_only
@pytest.mark.parametrize("param", [{"id": "not-a-uri"}, {"idPattern": "(unbalanced"}])
def test_non_uri_id_or_invalid_id_pattern_is_400(client, ns, param):
    r = client.get("/entities", params={"type": probe_type(ns, "Q"), **param})
    expect_problem_any(r, 400, ("BadRequestData", "InvalidRequest"))


@pytest.mark.req("QRY-012")
def test_query_key_values(client, data):
    r = query(client, type=data.type_, options="keyValues")
    expect_ids(r, data.ids(), "options=keyValues")
    sent = {e["id"]: e for e in data.main}
    for entity in entity_list(r):
        body = sent[entity["id"]]
        expected = {k: v if k in ("id", "type") else attr_value(v) for k, v in body.items()}
        expect_json_equal(entity, expected, f"/{entity['id']}")


@pytest.mark.req("QRY-013")
def test_query_as_geo_json_is_a_feature_collection(client, data):
    r = query(client, headers={"Accept": "application/geo+json"}, type=data.type_)
    expect_media_type(r, "application/geo+json")
    body = r.json()
    assert isinstance(body, dict) and body.get("type") == "FeatureCollection", (
        f"expected a GeoJSON FeatureCollection, got {r.text[:120]}"
    )
    features = body.get("features")
    assert isinstance(features, list), f"expected a features array, got {features!r}"
    got = [f.get("id") if isinstance(f, dict) else shape_of(f) for f in features]
    assert sorted(map(str, got)) == sorted(data.ids()), (
        f"expected one Feature per entity, got ids {got}"
    )
    locations = {e["id"]: e["location"]["value"] for e in data.main}
    for feature in features:
        assert isinstance(feature, dict) and feature.get("type") == "Feature", (
            f"expected a Feature, got {str(feature)[:80]}"
        )
        expect_json_equal(feature.get("geometry"), locations[feature["id"]], "/geometry")
