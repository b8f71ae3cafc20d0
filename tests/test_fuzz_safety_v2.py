"""Safe fuzzing under the NGSI v2 profile: op/update's entities are rewritten and guarded, and
the tenant and service path are the system's, never generated."""

from __future__ import annotations

from loopback import Answer, HttpServer

from conform.evidence import EvidenceLog
from conform.fuzz.safety import IdPool, rewrite_body, unsafe_reason
from conform.fuzz.transport import send_case
from conform.http import Client
from conform.namespace import Namespace
from conform.profiles import load_profile

V2 = load_profile("ngsi-v2")


def test_generated_batch_entities_are_rewritten_into_the_namespace() -> None:
    ns = Namespace.new("f00dcafe", V2.id_form)
    pool = IdPool.from_namespace(ns, V2.fuzzing)
    body = {"actionType": "delete", "entities": [{"id": "vendor-1", "type": "T"}, {"id": 5}]}
    out = rewrite_body("/op/update", body, pool)
    assert out["actionType"] == "delete"
    assert [e["id"] for e in out["entities"]] == [
        e["id"] for e in out["entities"] if ns.owns(e["id"])
    ]
    assert len(out["entities"]) == 2
    assert rewrite_body("/op/update", {"actionType": "append"}, pool) == {"actionType": "append"}
    assert unsafe_reason("POST", [], out, ns, V2.fuzzing.batch_member) is None


def test_a_vendor_id_in_batch_entities_is_unsafe() -> None:
    ns = Namespace.new("f00dcafe", V2.id_form)
    body = {"actionType": "delete", "entities": [{"id": ns.entity_id("T")}, {"id": "vendor-1"}]}
    assert unsafe_reason("POST", [], body, ns, V2.fuzzing.batch_member) is not None
    assert unsafe_reason("POST", [], body, ns) is None  # what the member is there for


def test_generated_tenant_and_service_path_are_never_sent() -> None:
    with HttpServer(lambda seen: Answer(200)) as server:
        client = Client(
            server.url,
            evidence=EvidenceLog(),
            profile=V2,
            headers={"Fiware-Service": "city"},  # the system file's tenant
            timeout=1,
        )
        generated = {"Fiware-Service": "invented", "fiware-servicepath": "/x", "X-Extra": "1"}
        kwargs = {"method": "GET", "url": f"{server.url}/v2/entities", "headers": generated}
        sent = send_case(client, f"{server.url}/v2", kwargs)
    assert sent.response is not None and sent.response.status_code == 200
    (seen,) = server.requests
    headers = {k.lower(): v for k, v in seen.headers.items()}
    assert headers["fiware-service"] == "city" and "fiware-servicepath" not in headers
    assert headers["x-extra"] == "1"
