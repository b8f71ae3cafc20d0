"""The NGSI v2 profile (FIWARE NGSI v2 2.0, as FIWARE Orion implements it): its protocol facts.

NGSI v2 ids are not URIs: the run's namespace is an id prefix. Batch writes go to POST /op/update,
whose object body lists its entities in `entities` (the guard and the fuzzer read them there).
"""

from __future__ import annotations

from types import MappingProxyType

from conform.profiles import NUMBERED_CLAUSE, Collections, Fuzzing, Probe, Profile

API_ROOT = "/v2"
TENANT_HEADER = "Fiware-Service"  # Orion multi-tenancy
ERROR_MEMBER = "error"  # an error body is {"error": <name>, "description": <text>}
BATCH_MEMBER = "entities"  # POST /v2/op/update names the entities it writes in this member

PROFILE = Profile(
    name="ngsi-v2",
    api_name="NGSI v2",
    api_root=API_ROOT,
    tenant_header=TENANT_HEADER,
    error_media_type="application/json",
    error_type_prefix="",  # the name itself: error_type("NotFound") == "NotFound"
    # v2 ids are not URIs: the run's marker and counter, then the type, e.g. conform-1a2b-7-Room
    id_form="{local}-{type}",
    probe=Probe("/entities", MappingProxyType({"type": "{model}", "limit": "1"})),
    collections=Collections(
        creating=frozenset({"entities", "subscriptions"}),
        batch="op",
        batch_target="entities",
        batch_reads=frozenset({"query"}),
        batch_creates=frozenset({"update"}),
        batch_deletes=frozenset(),
        scopes=frozenset(),
        cleanup_first="subscriptions",
        batch_member=BATCH_MEMBER,
        batch_selectors=frozenset({"idPattern"}),  # op/query's selector; Orion refuses it here
    ),
    fuzzing=Fuzzing(
        resource_parameters=MappingProxyType(
            {"entityId": "entity", "subscriptionId": "subscription"}
        ),
        context_key="",  # NGSI v2 has no @context: nothing remote to rewrite
        core_context="",
        entities="/entities",
        subscriptions="/subscriptions",
        batch_delete="/op/update",
        notification_uri=("notification", "http", "url"),
        batch_member=BATCH_MEMBER,
        scope_headers=frozenset({"fiware-servicepath"}),  # Orion deletes in "/" without it
    ),
    # The checks that decide the property-based phase when a bundle names none; city-os-v2 1.0
    # names the same in its bundle.yaml (the ids city-os uses for them).
    default_checks=MappingProxyType(
        {
            "not_a_server_error": "ERR-021",
            "status_code_conformance": "ERR-022",
            "content_type_conformance": "ERR-022",
            "response_schema_conformance": "ERR-023",
            "response_headers_conformance": "ERR-023",
        }
    ),
    bodyless_errors=frozenset(),  # Orion sends an error body with every 4xx
    error_members=frozenset({ERROR_MEMBER}),
    error_detail_members=frozenset({"description"}),
    # the v2 specification's sections are unnumbered: they are cited by title
    clause_forms=(NUMBERED_CLAUSE, r"^(?:FIWARE NGSI v2 2\.0|Orion API) §\S.*$"),
    clause_example="FIWARE NGSI v2 2.0 §Create Entity",
)
