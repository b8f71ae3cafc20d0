"""A Japanese report says why a requirement failed in Japanese: every failure message the
suites' helpers and test files can raise has a Japanese form, and the bundle's Japanese titles
are used."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from faults.mandatory import CORE_ROWS
from faults.proxy import FaultProxy
from mini_run import make_bundle, make_suite
from test_cli_run import conform

from conform.i18n import failure_text
from conform.reference import ReferenceServer
from conform.suite import expect_header, expect_json_equal, expect_status

REPO = Path(__file__).resolve().parents[1]
# the helpers whose messages end up in reports: conform's own and each suite's shared modules
HELPERS = sorted([*(REPO / "conform" / "suite").glob("*.py"), *(REPO / "suites").glob("*/_*.py")])
# ... and the messages written inline in the suites' tests (assert ..., "message")
SUITE_TESTS = sorted((REPO / "suites").glob("*/test_*.py"))
# internal invariants, never a verdict on the target
NOT_FAILURES = {"resolve_target needs a URL or a system file", "cannot load v1"}
# words a Japanese message keeps as they are: header, member and media type names
KEPT = {"Content", "Type", "JSON", "Location", "description", "null"}
# ... and the names the suites' tests quote: members, attributes, parameters, types, georels
KEPT_NAMES = {
    "active", "Allow", "application", "Attribute", "attributeName", "AttrsFormat",
    "availableSpotNumber", "BatchOperationResult", "CEL", "Conform", "context", "count", "Count",
    "coveredBy", "dateCreated", "dateModified", "defaults", "disjoint", "distance", "endpoint",
    "entities", "entityCount", "entityId", "EntityType", "EntityTypeList", "error", "errors",
    "expired", "expiresAt", "Feature", "FeatureCollection", "features", "geo", "GeoJSON", "GET",
    "humidity", "intersects", "isActive", "json", "limit", "Link", "metadata", "name", "near",
    "next", "ngsi", "NGSI", "NGSILD", "Ngsiv2", "note", "notification", "Notification",
    "notifiedAt", "notUpdated", "observedAt", "offset", "page_size", "Parking", "ParkingGroup",
    "paused", "Probe", "Property", "reason", "rel", "Results", "speed", "status",
    "subscriptionName", "subscriptions", "success", "temperature", "timesSent", "title",
    "totalSpotNumber", "type", "typeList", "typeName", "typePattern", "unitCode", "updated",
    "upsert", "URI", "uri", "urn", "value", "values", "vocab"
}  # fmt: skip


def _sample(node: ast.expr) -> str:
    """A plausible value for one {field} of a message, by what the code puts there."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return {"shape_of": "an object", "len": "3", "_where": " [x000001]"}.get(node.func.id, "v1")
    if isinstance(node, ast.Attribute) and node.attr == "exchange_id":
        return "x000001"
    return "v1"


def _messages(node: ast.expr | None) -> list[tuple[str, list[str]]]:
    """(sample message, its literal parts) for each message NODE can be."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, [node.value])]
    if isinstance(node, ast.IfExp):
        return _messages(node.body) + _messages(node.orelse)
    if isinstance(node, ast.JoinedStr):
        text, literal = "", []
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += str(part.value)
                literal.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                text += _sample(part.value)
        return [(text, literal)]
    return []


def _helper_messages(paths: list[Path] = HELPERS) -> list[tuple[str, str, list[str]]]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            message: ast.expr | None = None
            if isinstance(node, ast.Assert):
                message = node.msg
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "AssertionError" and node.args:
                    message = node.args[0]
                elif node.func.id == "Precondition" and len(node.args) == 2:
                    message = node.args[1]
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            found += [(where, t, lit) for t, lit in _messages(message) if t not in NOT_FAILURES]
    return found


def test_the_walk_finds_the_helpers_messages() -> None:
    texts = {text for _, text, _ in _helper_messages()}
    assert "expected header v1, got none [x000001]" in texts  # conform/suite/expect.py
    assert "expected error v1, got v1" in texts  # suites/city-os-v2/_v2.py
    assert "expectation not met" in texts  # conform/suite/precondition.py
    assert len(texts) >= 20
    inline = {text for _, text, _ in _helper_messages(SUITE_TESTS)}
    assert "expected id v1, got v1" in inline  # suites/city-os/test_core_entities.py
    assert "an entity was created" in inline  # suites/city-os-v2/test_errors_content.py
    assert len(inline) >= 200


def _check_japanese(where: str, message: str, literal: list[str], kept: set[str]) -> None:
    english = {w for part in literal for w in re.findall(r"[A-Za-z]{3,}", part)} - kept
    ja = failure_text(message, "ja")
    if english:  # a message of values and punctuation only reads the same in any language
        assert ja != message, f"{where}: no Japanese form for {message!r} (add it to i18n)"
    left = sorted(w for w in english if re.search(rf"\b{w}\b", ja))
    assert not left, f"{where}: {ja!r} keeps English {left}"


@pytest.mark.parametrize("where,message,literal", _helper_messages())
def test_every_helper_message_has_a_japanese_form(
    where: str, message: str, literal: list[str]
) -> None:
    _check_japanese(where, message, literal, KEPT)


@pytest.mark.parametrize("where,message,literal", _helper_messages(SUITE_TESTS))
def test_every_suite_test_message_has_a_japanese_form(
    where: str, message: str, literal: list[str]
) -> None:
    _check_japanese(where, message, literal, KEPT | KEPT_NAMES)


def test_real_messages_read_naturally() -> None:
    class Resp:
        status_code, text, media_type, exchange_id = 404, '{"type": "x"}', "application/json", ""

        @property
        def headers(self) -> dict[str, str]:
            return {}

        def json(self) -> object:
            return {"type": "x"}

    with pytest.raises(AssertionError) as status:
        expect_status(Resp(), 201, 204)
    assert failure_text(str(status.value), "ja") == (
        'ステータス 201 または 204 を期待しましたが、404 でした（本文: {"type": "x"}）'
    )
    with pytest.raises(AssertionError) as header:
        expect_header(Resp(), "Location")
    ja = failure_text(str(header.value), "ja")
    assert ja == "ヘッダ Location を期待しましたが、ありませんでした"
    with pytest.raises(AssertionError) as equal:
        expect_json_equal({"a": [1, 2]}, {"a": [1]})
    assert failure_text(str(equal.value), "ja") == "/a の要素数は 1 のはずが、2 でした"
    blocked = "blocked by CORE-007: precondition CORE-007 not met: expected status 200, got 500"
    assert failure_text(blocked, "ja") == (
        "前提の要件 CORE-007 が不合格: 前提の要件 CORE-007 を満たしていません: "
        "ステータス 200 を期待しましたが、500 でした"
    )
    assert failure_text("expected 3 entities, got 2", "ja") == "expected 3 entities, got 2"
    assert failure_text("expected status 200, got 500", "en") == "expected status 200, got 500"


def test_japanese_report_has_japanese_titles_and_failures(tmp_path: Path) -> None:
    bundle, suite = make_bundle(tmp_path), make_suite(tmp_path)
    reqs = bundle / "requirements.yaml"
    reqs.write_text(reqs.read_text().replace('title: "fails"', "title: {en: fails, ja: 不合格}"))
    with ReferenceServer(port=0) as server:
        proc = conform("--url", server.url, "--bundle", str(bundle), "--suite", str(suite),
                       "--lang", "ja", "--out", str(tmp_path / "o"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "o" / "report.json").read_text())
    core2 = next(r for r in doc["requirements"] if r["id"] == "CORE-002")
    assert core2["title"] == "不合格"
    assert re.fullmatch(
        r"ステータス 200 を期待しましたが、404 でした（本文: .*ResourceNotFound.*） \[x\d+\]",
        core2["message"],
    ), core2["message"]
    page = (tmp_path / "o" / "report.html").read_text()
    assert "不合格" in page and "ステータス 200 を期待しましたが、404 でした" in page
    assert "ステータス 200 を期待しましたが、404 でした" in proc.stdout


def test_japanese_report_words_a_suite_tests_own_message(tmp_path: Path) -> None:
    """A failure the suite's test states inline (not through a helper) reads in Japanese."""
    fault = next(f for f in CORE_ROWS if f.name == "retrieve-answers-another-type")
    with FaultProxy(fault.hooks) as proxy:
        proc = conform("--url", proxy.url, "--only", "CORE-002", "--lang", "ja",
                       "--out", str(tmp_path / "o"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "o" / "report.json").read_text())
    core2 = next(r for r in doc["requirements"] if r["id"] == "CORE-002")
    # suites/city-os/test_core_entities.py: f"expected type {...}, got {...!r}"
    assert re.fullmatch(r"type \S+ を期待しましたが、'SomethingElse' でした", core2["message"]), (
        core2["message"]
    )
