"""Pagination of query results (CIM 009 5.5.9, 6.3.10, 6.3.13): limit, offset, count, Link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from conform.reference.messages import API_BASE, Request, Response, Settings, ld
from conform.reference.problems import ErrorType, ProblemError, bad_data


@dataclass(frozen=True)
class Page:
    """The window a query asks for."""

    limit: int
    offset: int
    count: bool


def _integer(req: Request, name: str, default: int) -> int:
    raw = req.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise bad_data(f"{name} must be a non-negative integer, got {raw!r}")
    return int(raw)


def parse_page(req: Request, settings: Settings) -> Page:
    """Read limit/offset/count; checked before any lookup so bad paging fails fast."""
    count_raw = req.query.get("count", "false")
    if count_raw not in ("true", "false"):
        raise bad_data(f"count must be true or false, got {count_raw!r}")
    page = Page(
        limit=_integer(req, "limit", settings.page_size),
        offset=_integer(req, "offset", 0),
        count=count_raw == "true",
    )
    if page.limit > settings.max_limit:
        raise ProblemError(
            ErrorType.TOO_MANY_RESULTS,
            f"limit {page.limit} is above the maximum of {settings.max_limit}",
        )
    if page.limit == 0 and not page.count:
        raise bad_data("limit=0 is only allowed together with count=true")
    return page


def _link(req: Request, limit: int, offset: int, rel: str) -> tuple[str, str]:
    query = {k: v for k, v in req.query.items() if k not in ("limit", "offset")}
    query.update(limit=str(limit), offset=str(offset))
    return ("Link", f'<{API_BASE}{req.path}?{urlencode(query)}>; rel="{rel}"')


def paginate(req: Request, page: Page, items: list[Any]) -> Response:
    """A 200 response with one page of items, Link rel=next/prev and the optional count."""
    window = items[page.offset : page.offset + page.limit]
    headers: list[tuple[str, str]] = []
    if page.count:
        headers.append(("NGSILD-Results-Count", str(len(items))))
    if page.limit and page.offset + page.limit < len(items):
        headers.append(_link(req, page.limit, page.offset + page.limit, "next"))
    if page.limit and page.offset > 0:
        headers.append(_link(req, page.limit, max(page.offset - page.limit, 0), "prev"))
    return ld(window, headers=headers)
