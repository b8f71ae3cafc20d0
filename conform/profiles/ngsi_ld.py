"""The NGSI-LD profile (ETSI GS CIM 009): every NGSI-LD fact the core uses, in one place."""

from __future__ import annotations

from types import MappingProxyType

from conform.profiles import (
    NUMBERED_CLAUSE,
    POLICY_CLAUSE,
    Collections,
    Fuzzing,
    Probe,
    Profile,
)

ERROR_TYPE_PREFIX = "https://uri.etsi.org/ngsi-ld/errors/"  # clause 5.5.2; suites use it too
# The core @context (clause 5.5.7) of the standard's version the bundles profile (V1.8.1): what a
# response names when the client sent no context. The unversioned URL names the newest core
# context; every broker caches it, so the fuzzer rewrites generated contexts to it.
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
LATEST_CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"

PROFILE = Profile(
    name="ngsi-ld",  # ETSI GS CIM 009
    api_name="NGSI-LD",
    api_root="/ngsi-ld/v1",
    tenant_header="NGSILD-Tenant",  # clause 6.3.14
    error_media_type="application/json",
    error_type_prefix=ERROR_TYPE_PREFIX,
    id_form="urn:ngsi-ld:{type}:{local}",  # entity ids are URIs; this URN form is customary
    # GET /entities?type=<a declared model>&limit=1: any answer, even an error, is HTTP
    probe=Probe("/entities", MappingProxyType({"type": "{model}", "limit": "1"})),
    collections=Collections(
        creating=frozenset({"entities", "subscriptions", "csourceregistrations"}),
        batch="entityoperations",
        batch_target="entities",
        batch_reads=frozenset({"query"}),
        batch_creates=frozenset({"create", "upsert"}),
        batch_deletes=frozenset({"delete"}),
        scopes=frozenset({"temporal"}),
        cleanup_first="subscriptions",  # a subscription watches entities: it goes first
        ids_in_text=r"urn:[^\s\"',\]\}]+",  # entity ids are URIs; the URN form is customary
    ),
    fuzzing=Fuzzing(
        resource_parameters=MappingProxyType(
            {"entityId": "entity", "subscriptionId": "subscription"}
        ),
        # A generated remote @context would make the target fetch random URLs; the core context
        # is cached by every NGSI-LD broker (clause 5.5.7).
        context_key="@context",
        core_context=LATEST_CORE_CONTEXT,
        entities="/entities",
        subscriptions="/subscriptions",
        batch_delete="/entityOperations/delete",
        notification_uri=("notification", "endpoint", "uri"),
    ),
    # The checks that decide the property-based phase when the bundle names none (city-os 1.0).
    default_checks=MappingProxyType(
        {
            "not_a_server_error": "ERR-021",
            "status_code_conformance": "ERR-022",
            "content_type_conformance": "ERR-022",
            "response_schema_conformance": "ERR-023",
            "response_headers_conformance": "ERR-023",
        }
    ),
    bodyless_errors=frozenset({"405", "406", "411", "413", "415"}),  # clause 6.3
    clause_forms=(NUMBERED_CLAUSE, POLICY_CLAUSE),
    clause_example="ETSI GS CIM 009 5.6.1",
    core_context=CORE_CONTEXT,
)
