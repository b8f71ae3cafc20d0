"""Pagination (QRY-014..025): limit, offset, default page size, Link rel=next/prev, count.

The entities are of a run-unique type, so vendor data never changes a page or a count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from _builders import (
    created,
    entity_ids,
    entity_list,
    get_link,
    link_rels,
    probe_entity,
    probe_type,
    query,
)

from conform.suite import expect_header, expect_problem, expect_status

PAGED = 25  # entities created for this module, at least; always more than one default page


def page_size(bundle) -> int:
    """The default page size the run's bundle chose (`defaults.page_size`; 20 if it chose none)."""
    return int((bundle.manifest.get("defaults") or {}).get("page_size", 20))


def max_limit(bundle) -> int:
    """The largest `limit` the run's bundle allows (`defaults.max_limit`; 1000 if it chose none)."""
    return int((bundle.manifest.get("defaults") or {}).get("max_limit", 1000))


@dataclass(frozen=True)
class Paged:
    """The run-unique type and the ids of the entities created for this module."""

    type_: str
    ids: frozenset[str]

    @property
    def count(self) -> int:
        """How many entities match the type."""
        return len(self.ids)


@pytest.fixture(scope="module")
def paged(conform_context) -> Iterator[Paged]:
    """More entities than one default page, of a run-unique type (seq 1..count)."""
    ns = conform_context.namespace
    type_ = probe_type(ns, "P")
    count = max(PAGED, page_size(conform_context.bundle) + 5)
    bodies = [probe_entity(ns.entity_id(type_), type_, seq=i) for i in range(1, count + 1)]
    with created(conform_context.client, bodies):
        yield Paged(type_, frozenset(b["id"] for b in bodies))


def _page(client, data: Paged, **params: str) -> Any:
    return query(client, headers=None, type=data.type_, **params)


@pytest.mark.req("QRY-014")
def test_limit_caps_results(client, paged):
    got = entity_ids(_page(client, paged, limit="5"))
    assert len(got) <= 5, f"expected at most 5 entities with limit=5, got {len(got)}"


@pytest.mark.req("QRY-015")
def test_offset_walks_all_results_once(client, paged):
    seen: list[str] = []
    for offset in range(0, paged.count + 7, 7):
        seen += entity_ids(_page(client, paged, limit="7", offset=str(offset)))
    dupes = sorted({i for i in seen if seen.count(i) > 1})
    assert not dupes, f"expected each entity once over the pages, got {dupes[0]} twice"
    missing = sorted(paged.ids - set(seen))
    assert not missing, f"expected every entity over the pages, got {len(missing)} missing"
    assert set(seen) == paged.ids, f"expected only {paged.type_}, got {sorted(set(seen))[:1]}"


@pytest.mark.req("QRY-016")
def test_default_page_size_is_the_bundles(client, paged, bundle):
    size = page_size(bundle)
    got = entity_ids(_page(client, paged))
    assert len(got) == size, (
        f"expected {size} entities without limit (the bundle's defaults.page_size; "
        f"{paged.count} match), got {len(got)}"
    )


@pytest.mark.req("QRY-017")
@pytest.mark.read_only
def test_limit_above_maximum_is_403(client, ns, bundle):
    above = str(max_limit(bundle) + 1)
    r = client.get("/entities", params={"type": probe_type(ns, "P"), "limit": above})
    expect_problem(r, 403, "TooManyResults")


@pytest.mark.req("QRY-018")
@pytest.mark.read_only
@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_invalid_limit_or_offset_is_400(client, ns, name, value):
    r = client.get("/entities", params={"type": probe_type(ns, "P"), name: value})
    expect_problem(r, 400, "BadRequestData")


def _follow(client, r, rel: str) -> list[str]:
    """Ids of the page a Link rel=REL of R points to."""
    url = link_rels(r).get(rel)
    assert url, f"expected a Link header with rel={rel}, got {r.headers.get('Link')!r}"
    followed = get_link(client, url)
    expect_status(followed, 200)
    return entity_ids(followed)


@pytest.mark.req("QRY-019")
def test_link_next_returns_next_page(client, paged):
    first = _page(client, paged, limit="10")
    expected = entity_ids(_page(client, paged, limit="10", offset="10"))
    got = _follow(client, first, "next")
    assert got and got == expected, f"expected the page at offset 10 {expected}, got {got}"


@pytest.mark.req("QRY-020")
def test_link_prev_returns_previous_page(client, paged):
    second = _page(client, paged, limit="10", offset="10")
    expected = entity_ids(_page(client, paged, limit="10", offset="0"))
    got = _follow(client, second, "prev")
    assert got and got == expected, f"expected the page at offset 0 {expected}, got {got}"


@pytest.mark.req("QRY-021")
def test_no_link_next_on_last_page(client, paged):
    last = {"limit": "10", "offset": str(paged.count - 5)}
    for params in (last, {"limit": str(paged.count)}):
        r = _page(client, paged, **params)
        assert "next" not in link_rels(r), (
            f"expected no rel=next on the last page, got Link {r.headers.get('Link')!r}"
        )


@pytest.mark.req("QRY-022")
def test_count_returns_total(client, paged):
    for params in ({"count": "true"}, {"count": "true", "limit": "5"}):
        r = _page(client, paged, **params)
        expect_header(r, "NGSILD-Results-Count", str(paged.count))


@pytest.mark.req("QRY-023")
def test_limit_zero_with_count_returns_only_count(client, paged):
    r = _page(client, paged, limit="0", count="true")
    assert entity_ids(r) == [], f"expected an empty array with limit=0, got {r.text[:120]}"
    expect_header(r, "NGSILD-Results-Count", str(paged.count))


@pytest.mark.req("QRY-024")
@pytest.mark.read_only
def test_limit_zero_without_count_is_400(client, ns):
    r = client.get("/entities", params={"type": probe_type(ns, "P"), "limit": "0"})
    expect_problem(r, 400, "BadRequestData")


@pytest.mark.req("QRY-025")
@pytest.mark.read_only
def test_query_without_match_is_empty_array(client, ns):
    r = query(client, type=probe_type(ns, "Nothing"))
    assert entity_list(r) == [], f"expected [], got {r.text[:120]}"
