"""Content negotiation and @context rules (CIM 009 6.3.4-6.3.6)."""

from __future__ import annotations

from typing import Any

from conform.jsonld import context_list
from conform.reference.messages import CONTEXT_REL, MediaType
from conform.reference.problems import HttpError, bad_data

BODY_METHODS = ("POST", "PATCH", "PUT")
_PREFERENCE = (MediaType.JSON, MediaType.LD_JSON, MediaType.GEO_JSON)


def _media_ranges(header: str) -> list[tuple[str, float]]:
    ranges = []
    for item in header.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def _fits(media_range: str, media: MediaType) -> bool:
    major = media.value.split("/")[0]
    return media_range in ("*/*", f"{major}/*", media.value)


def choose_media(accept: str | None, geo: bool) -> MediaType:
    """The response media type for an Accept header; 406 when none can be served."""
    offered = [m for m in _PREFERENCE if geo or m is not MediaType.GEO_JSON]
    if not accept or not accept.strip():
        return MediaType.JSON
    best: tuple[float, int, MediaType] | None = None
    for rank, media in enumerate(offered):
        quality = max((q for r, q in _media_ranges(accept) if _fits(r, media)), default=0.0)
        if quality > 0 and (best is None or (quality, -rank) > (best[0], -best[1])):
            best = (quality, rank, media)
    if best is None:
        served = ", ".join(m.value for m in offered)
        raise HttpError(406, "Not Acceptable", f"Accept {accept!r} allows none of: {served}")
    return best[2]


def body_media(content_type: str | None, method: str) -> MediaType:
    """The media type of a request body; 415 unless JSON, JSON-LD (or merge-patch on PATCH)."""
    media = (content_type or "").split(";")[0].strip().lower()
    allowed = [MediaType.JSON, MediaType.LD_JSON]
    if method == "PATCH":
        allowed.append(MediaType.MERGE_PATCH)
    for candidate in allowed:
        if media == candidate.value:
            return candidate
    names = ", ".join(m.value for m in allowed)
    raise HttpError(415, "Unsupported Media Type", f"Content-Type {media!r} is not one of {names}")


def has_context_link(link_header: str | None) -> bool:
    """Whether a Link header carries a JSON-LD context link."""
    return bool(link_header) and CONTEXT_REL in str(link_header)


def client_context(body: Any, ld_body: bool, link_header: str | None) -> list[Any]:
    """The @context a request names (body member under JSON-LD, else the Link header), core-less."""
    if ld_body:
        items = body if isinstance(body, list) else [body]
        found = next(
            (i["@context"] for i in items if isinstance(i, dict) and "@context" in i), None
        )
        return context_list(found)
    for part in (link_header or "").split(","):
        if has_context_link(part) and "<" in part and ">" in part:
            return [part[part.index("<") + 1 : part.index(">")].strip()]
    return []


def check_context(body: Any, media: MediaType, link_header: str | None) -> None:
    """@context rules: JSON bodies must not carry it, JSON-LD bodies must (and no Link)."""
    if media is MediaType.LD_JSON:
        if has_context_link(link_header):
            raise bad_data("an application/ld+json request may not send a context Link header")
        if isinstance(body, dict) and "@context" not in body:
            raise bad_data("an application/ld+json body must carry @context")
    elif isinstance(body, dict) and "@context" in body:
        raise bad_data("an application/json body may not carry @context; use the Link header")
