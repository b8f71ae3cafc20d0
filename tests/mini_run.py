"""A miniature bundle and suite for the runner's tests: each test decides one known outcome."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

MINIMAL = Path(__file__).parent / "data" / "bundles" / "good" / "minimal"

REQUIREMENTS = """\
requirements:
{items}
"""
_ITEM = """\
  - id: {id}
    title: "{title}"
    statement: {{en: "{title}.", ja: "{title}。"}}
    level: {level}
    class: {cls}
    clause: "ETSI GS CIM 009 5.6.1"
"""
# id, title, level, class: the outcome each one gets from SUITE is in its title
ITEMS = [
    ("CORE-001", "passes read-only", "MUST", "core-entities"),
    ("CORE-002", "fails", "MUST", "core-entities"),
    ("CORE-003", "has no test", "MUST", "core-entities"),
    ("CORE-004", "errors", "MUST", "core-entities"),
    ("CORE-005", "passes with a write", "MUST", "core-entities"),
    ("CORE-006", "fails but is only SHOULD", "SHOULD", "core-entities"),
    ("BAT-001", "passes read-only, optional class", "MUST", "batch"),
]

SUITE = """\
from __future__ import annotations

import pytest

from conform.suite import expect_status


@pytest.mark.req("CORE-001")
@pytest.mark.read_only
def test_query_answers(client):
    expect_status(client.get("/entities", params={"type": "Thing"}), 200)


@pytest.mark.req("CORE-002", "CORE-006")
@pytest.mark.read_only
def test_expects_the_impossible(client, ns):
    expect_status(client.get(f"/entities/{ns.entity_id('Thing')}"), 200)


@pytest.mark.req("CORE-004")
@pytest.mark.read_only
def test_breaks():
    raise RuntimeError("the test itself broke")


@pytest.mark.req("CORE-005")
def test_creates(client, ns):
    eid = ns.entity_id("Thing")
    expect_status(client.post("/entities", json={"id": eid, "type": "Thing"}), 201)


@pytest.mark.req("BAT-001")
@pytest.mark.read_only
def test_optional(client):
    expect_status(client.get("/entities", params={"type": "Thing"}), 200)
"""

CONFTEST = (Path(__file__).resolve().parents[1] / "suites" / "city-os" / "conftest.py").read_text()


def make_bundle(root: Path) -> Path:
    """The minimal bundle with the requirements above, in ROOT/bundle."""
    folder = root / "bundle"
    shutil.copytree(MINIMAL, folder)
    items = "".join(_ITEM.format(id=i, title=t, level=lv, cls=c) for i, t, lv, c in ITEMS)
    (folder / "requirements.yaml").write_text(REQUIREMENTS.format(items=items.rstrip("\n")))
    return folder


def make_suite(root: Path, body: str = SUITE) -> Path:
    """A suite folder with the conform conftest and one test module, in ROOT/suite."""
    folder = root / "suite"
    folder.mkdir()
    (folder / "conftest.py").write_text(CONFTEST)
    (folder / "test_mini.py").write_text(textwrap.dedent(body))
    return folder
