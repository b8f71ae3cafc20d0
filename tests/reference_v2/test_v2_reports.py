"""Everything after a run works unchanged for NGSI v2: reports in Japanese and English (HTML,
summary.md, JUnit, EARL), signing and `report verify`, waivers, `report diff` of two v2 runs.

Two real `conform run --bundle city-os-v2` runs, shared by the module: a signed Japanese one
through a proxy that drops Fiware-Total-Count (QRY-028 fails, and is waived), and an English
one against the embedded reference server (certified).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from faults.proxy import FaultProxy
from faults.v2 import V2_ROWS
from test_cli_report import PASSPHRASE, run_cli

from conform.bundle import load_bundle
from conform.cli import app
from conform.signing import PASSPHRASE_ENV

BUNDLE = load_bundle("city-os-v2")
WAIVED = "QRY-028"
FORMATS = ("html", "md", "junit", "earl")
FILES = ("report.html", "summary.md", "junit.xml", "report.earl.jsonld")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
pytestmark = pytest.mark.slow


def _run(out: Path, *args: str) -> int:
    argv = ["run", "--bundle", "city-os-v2", "--out", str(out)]
    argv += [a for f in FORMATS for a in ("--format", f)]
    return int(app(args=[*argv, *args], standalone_mode=False) or 0)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Folders: keys, the Japanese signed run with a waiver (ja), the English run (en)."""
    base = tmp_path_factory.mktemp("v2-reports")
    keys = base / "keys"
    assert run_cli("keys", "generate", str(keys)).returncode == 0
    waivers = base / "waivers.yaml"
    waivers.write_text(
        f'- requirement: {WAIVED}\n  reason: "count header arrives in 2.4"\n'
        '  approved_by: "Smart City Strategy Dept."\n  ticket: "CITY-2031"\n'
        "  expires: 2099-12-31\n",
        encoding="utf-8",
    )
    fault = next(f for f in V2_ROWS if f.name == "v2-list-no-total-count")
    system = base / "system.yaml"
    with FaultProxy(fault.hooks, BUNDLE) as proxy, pytest.MonkeyPatch.context() as env:
        env.setenv(PASSPHRASE_ENV, PASSPHRASE)
        system.write_text(
            f"name: orion-city\nurl: {proxy.url}\ntenant: conform\n"
            "classes: [batch, subscriptions, discovery, multi-tenancy]\n",
            encoding="utf-8",
        )
        key = str(keys / "conform-signing.key")
        code = _run(base / "ja", "--system", str(system), "--lang", "ja", "--sign-key", key,
                    "--waivers", str(waivers))  # fmt: skip
    assert code == 0
    assert _run(base / "en") == 0
    return {"keys": keys, "ja": base / "ja", "en": base / "en"}


def _report(folder: Path) -> Any:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def _text(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def test_the_runs_are_v2_runs_with_the_verdicts_their_targets_earn(runs: dict[str, Path]) -> None:
    ja, en = _report(runs["ja"]), _report(runs["en"])
    for doc in (ja, en):
        assert (doc["bundle"]["id"], doc["bundle"]["sha256"]) == ("city-os-v2", BUNDLE.sha256)
        assert len(doc["requirements"]) == len(BUNDLE.requirements)
    assert (ja["verdict"], en["verdict"]) == ("CONDITIONAL", "CERTIFIED")
    waived = {r["id"]: r for r in ja["requirements"] if r["status"] == "waived"}
    assert list(waived) == [WAIVED]
    assert "Fiware-Total-Count" in waived[WAIVED]["message"]


def test_japanese_reports_carry_japanese_class_and_requirement_titles(
    runs: dict[str, Path],
) -> None:
    doc = _report(runs["ja"])
    titles = {c.id: c.title["ja"] for c in BUNDLE.classes}
    assert doc["bundle"]["class_titles"] == titles
    req_titles = {r["id"]: r["title"] for r in doc["requirements"]}
    english = {r.id: r.title for r in BUNDLE.requirements}
    assert all(CJK.search(t) and t != english[i] for i, t in req_titles.items()), req_titles
    html, md = _text(runs["ja"], "report.html"), _text(runs["ja"], "summary.md")
    for title in titles.values():
        assert f"<td>{title}</td>" in html and f"| {title} |" in md, title
    waived = req_titles[WAIVED]
    for name in FILES:
        assert waived in _text(runs["ja"], name), name  # the waived requirement, in Japanese
    earl = json.loads(_text(runs["ja"], "report.earl.jsonld"))
    shown = {a["earl:test"]["dct:identifier"]: a["earl:test"]["dct:title"]
             for a in earl["@graph"] if a.get("@type") == "earl:Assertion"}  # fmt: skip
    assert shown == req_titles
    assert f'name="{WAIVED} {waived}"' in _text(runs["ja"], "junit.xml")
    assert "免除" in md  # waivers listed under their Japanese heading


def test_english_reports_carry_english_titles(runs: dict[str, Path]) -> None:
    doc = _report(runs["en"])
    assert doc["bundle"]["class_titles"] == {c.id: c.title["en"] for c in BUNDLE.classes}
    req = next(r for r in BUNDLE.requirements if r.id == WAIVED)
    html, md = _text(runs["en"], "report.html"), _text(runs["en"], "summary.md")
    assert "<td>Entity query, geo-query, ordering, pagination and counting</td>" in html
    assert "| Entity query, geo-query, ordering, pagination and counting |" in md
    for name in FILES:
        assert req.title in _text(runs["en"], name), name
        assert not CJK.search(_text(runs["en"], name).split("<style")[0]), name


def test_the_signed_v2_report_verifies_and_tampering_is_named(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    pub = str(runs["keys"] / "conform-signing.pub")
    done = run_cli("report", "verify", str(runs["ja"]), "--public-key", pub,
                   "--bundle", "city-os-v2@1.0")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature: ok" in done.stdout and "bundle: ok" in done.stdout
    tampered = tmp_path / "tampered"
    shutil.copytree(runs["ja"], tampered)
    with (tampered / "evidence.jsonl").open("ab") as fh:
        fh.write(b"\n")
    done = run_cli("report", "verify", str(tampered), "--public-key", pub)
    assert done.returncode == 1 and "evidence: FAILED" in done.stdout
    other = run_cli("report", "verify", str(runs["ja"]), "--public-key", pub,
                    "--bundle", "city-os@1.1")  # fmt: skip
    assert other.returncode != 0, other.stdout


def test_diff_of_two_v2_runs_names_the_waived_requirement(runs: dict[str, Path]) -> None:
    done = run_cli("report", "diff", str(runs["ja"]), str(runs["en"]), "--format", "json")
    assert done.returncode == 0, done.stderr
    diff = json.loads(done.stdout)
    assert diff["newly_passing"] == [WAIVED] and diff["newly_failing"] == []
    gate = run_cli("report", "diff", str(runs["en"]), str(runs["ja"]), "--fail-on-regression")
    assert gate.returncode == 1, gate.stdout
    assert WAIVED in gate.stdout


def test_report_show_and_export_read_a_v2_run(runs: dict[str, Path], tmp_path: Path) -> None:
    shown = run_cli("report", "show", str(runs["ja"]), "--lang", "ja")
    assert shown.returncode == 0, shown.stderr
    assert "CONDITIONAL" in shown.stdout and "city-os-v2@1.0" in shown.stdout
    done = run_cli("report", "export", str(runs["en"]), "--format", "earl", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.earl.jsonld").read_bytes() == (
        runs["en"] / "report.earl.jsonld"
    ).read_bytes()
