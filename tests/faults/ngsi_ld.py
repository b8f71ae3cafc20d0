"""Fault rows for what city-os 1.1 adds: each reproduces a defect a real broker had (issue 13)."""

from __future__ import annotations

from conform.bundle import load_bundle
from conform.reference.parameters import declared_parameters
from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import (
    LD,
    Fault,
    has_param,
    on_request,
    on_response,
    problem,
    status,
)

GEO_QUERY = ("georel", "geometry", "coordinates", "geoproperty")
DECLARED = frozenset().union(*declared_parameters(load_bundle("city-os").openapi_path).values())


def _context_refused(req: Req, ctx: Context) -> Resp | None:
    """The old defect: @context in a JSON-LD partial update taken for a sub-attribute (400)."""
    body = req.json()
    if LD in (req.header("Content-Type") or "") and isinstance(body, dict) and "@context" in body:
        return problem(400, "BadRequestData")
    return None


def _delete_every_instance(req: Req, resp: Resp, ctx: Context) -> None:
    """The old defect: a delete by datasetId deletes every instance of the attribute."""
    ctx.forward(req.with_param("datasetId", None).with_param("deleteAll", "true"))


def _ignore_unknown_parameters(req: Req, ctx: Context) -> Req:
    """Parameters the bundle does not declare are dropped, as if ignored (geo-queries kept)."""
    for name, _ in req.query:
        if name not in DECLARED and name not in GEO_QUERY:
            req = req.with_param(name, None)
    return req


def _ignore_geo_query(req: Req, ctx: Context) -> Req:
    """The old defect: a geo-query is accepted and every entity comes back unfiltered."""
    for name in GEO_QUERY:
        req = req.with_param(name, None)
    return req


# fmt: off
STRICTNESS_ROWS = [
    Fault("json-ld-partial-update-refused", ("CORE-030",),
          on_request("PATCH", "entities/{id}/attrs/{attr}", _context_refused)),
    Fault("dataset-delete-deletes-every-instance", ("CORE-031",),
          on_response("DELETE", "entities/{id}/attrs/{attr}", 204, _delete_every_instance,
                      where=has_param("datasetId"))),
    Fault("unknown-dataset-delete-answers-204", ("CORE-032",),
          on_response("DELETE", "entities/{id}/attrs/{attr}", 404, status(204),
                      where=has_param("datasetId"))),
    Fault("batch-no-overwrite-answers-204", ("BAT-014",),
          on_response("POST", "entityOperations/update", 207, status(204),
                      where=has_param("options", "noOverwrite"))),
    Fault("unknown-parameters-ignored", ("ERR-025",),
          Hooks(request=_ignore_unknown_parameters)),
    Fault("geo-query-ignored", ("ERR-026",),
          on_request("GET", "entities", _ignore_geo_query)),
]
# fmt: on
