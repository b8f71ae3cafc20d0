"""Safe fuzzing under the NGSI v2 profile: op/update's entities are rewritten and guarded."""

from __future__ import annotations

from conform.fuzz.safety import IdPool, rewrite_body, unsafe_reason
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
