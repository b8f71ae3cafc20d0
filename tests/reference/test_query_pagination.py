"""Query and pagination class: filters, q language, limit/offset/count and Link headers."""

from __future__ import annotations

import pytest

from reference.helpers import eid, expect_problem, prop


@pytest.fixture
def things(http, api, kind):
    """Five entities of a fresh type with temperatures 10..50 and names a..e."""
    ids = []
    for n in range(5):
        entity_id = eid(kind)
        body = {
            "id": entity_id,
            "type": kind,
            "temperature": prop(10 * (n + 1)),
            "name": prop("abcde"[n]),
        }
        assert http.post(f"{api}/entities", json=body).status_code == 201
        ids.append(entity_id)
    return ids


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()]


def test_query_by_type_id_and_id_pattern(http, api, kind, things):
    """QRY-001, QRY-002, QRY-003, QRY-025."""
    assert _ids(http.get(f"{api}/entities", params={"type": kind})) == things
    picked = ",".join(things[1:3])
    assert _ids(http.get(f"{api}/entities", params={"type": kind, "id": picked})) == things[1:3]
    pattern = things[0].rsplit(":", 1)[0] + ":1.*"
    matched = _ids(http.get(f"{api}/entities", params={"type": kind, "idPattern": ".*"}))
    assert matched == things
    assert (
        _ids(http.get(f"{api}/entities", params={"type": kind, "idPattern": pattern + "xyz$"}))
        == []
    )
    assert _ids(http.get(f"{api}/entities", params={"type": "NoSuchType"})) == []


def test_query_needs_a_filter_and_valid_parameters(http, api):
    """QRY-004, QRY-010, QRY-011."""
    expect_problem(http.get(f"{api}/entities"), 400, "BadRequestData")
    expect_problem(http.get(f"{api}/entities", params={"id": "urn:x:1"}), 400, "BadRequestData")
    for bad in ("temperature==", "((", "==3", "a==unquoted"):
        expect_problem(
            http.get(f"{api}/entities", params={"type": "T", "q": bad}), 400, "BadRequestData"
        )
    expect_problem(
        http.get(f"{api}/entities", params={"type": "T", "id": "not a uri"}), 400, "BadRequestData"
    )
    expect_problem(
        http.get(f"{api}/entities", params={"type": "T", "idPattern": "(["}), 400, "BadRequestData"
    )


def test_attrs_filters_and_projects(http, api, kind, things):
    """QRY-005."""
    extra = eid(kind)
    assert (
        http.post(f"{api}/entities", json={"id": extra, "type": kind, "speed": prop(3)}).status_code
        == 201
    )
    found = http.get(f"{api}/entities", params={"type": kind, "attrs": "speed"}).json()
    assert found == [{"id": extra, "type": kind, "speed": prop(3)}]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("temperature==30", [2]),
        ('name=="b"', [1]),
        ("temperature!=30", [0, 1, 3, 4]),
        ("temperature>30", [3, 4]),
        ("temperature>=30", [2, 3, 4]),
        ("temperature<20", [0]),
        ("temperature<=20", [0, 1]),
        ('temperature>10;name=="c"', [2]),
        ('temperature==10|name=="e"', [0, 4]),
        ('(temperature==10|temperature==20);name=="b"', [1]),
    ],
)
def test_q_language(http, api, kind, things, q, expected):
    """QRY-006, QRY-007, QRY-008, QRY-009."""
    found = _ids(http.get(f"{api}/entities", params={"type": kind, "q": q}))
    assert found == [things[i] for i in expected]


def test_key_values_and_geojson_query(http, api, kind, things):
    """QRY-012, QRY-013."""
    simple = http.get(f"{api}/entities", params={"type": kind, "options": "keyValues"}).json()
    assert simple[0] == {"id": things[0], "type": kind, "temperature": 10, "name": "a"}
    geo = http.get(
        f"{api}/entities", params={"type": kind}, headers={"Accept": "application/geo+json"}
    )
    assert geo.headers["Content-Type"] == "application/geo+json"
    assert geo.json()["type"] == "FeatureCollection"
    assert [f["id"] for f in geo.json()["features"]] == things


def test_limit_offset_and_links(http, api, kind, things):
    """QRY-014, QRY-015, QRY-019, QRY-020, QRY-021."""
    seen = []
    for offset in (0, 2, 4):
        page = http.get(f"{api}/entities", params={"type": kind, "limit": 2, "offset": offset})
        assert len(page.json()) <= 2
        seen += _ids(page)
        assert ("next" in page.links) == (offset < 4)
        assert ("prev" in page.links) == (offset > 0)
    assert seen == things
    first = http.get(f"{api}/entities", params={"type": kind, "limit": 2})
    follow = http.get(api.rsplit("/ngsi-ld/v1", 1)[0] + first.links["next"]["url"])
    assert _ids(follow) == things[2:4]


def test_default_page_size_is_20(http, api, kind):
    """QRY-016."""
    for _ in range(22):
        assert http.post(f"{api}/entities", json={"id": eid(kind), "type": kind}).status_code == 201
    assert len(http.get(f"{api}/entities", params={"type": kind}).json()) == 20


def test_limit_bounds_and_count(http, api, kind, things):
    """QRY-017, QRY-018, QRY-022, QRY-023, QRY-024."""
    expect_problem(
        http.get(f"{api}/entities", params={"type": kind, "limit": 1001}), 403, "TooManyResults"
    )
    for params in ({"limit": -1}, {"limit": "x"}, {"offset": -1}, {"limit": 0}):
        expect_problem(
            http.get(f"{api}/entities", params={"type": kind, **params}), 400, "BadRequestData"
        )
    counted = http.get(f"{api}/entities", params={"type": kind, "limit": 1, "count": "true"})
    assert counted.headers["NGSILD-Results-Count"] == "5"
    only_count = http.get(f"{api}/entities", params={"type": kind, "limit": 0, "count": "true"})
    assert only_count.json() == []
    assert only_count.headers["NGSILD-Results-Count"] == "5"
