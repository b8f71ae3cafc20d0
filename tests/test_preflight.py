"""Pre-flight as a new user meets it: API root URL, --out, broken bundle, --only, system.yaml.

Every case drives the real CLI; the ones that must send nothing run against a recording server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import HttpServer
from test_cli_run import closed_port, conform

from conform.reference import ReferenceServer

BUNDLE = Path(__file__).resolve().parents[1] / "specs" / "city-os" / "1.0"


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with ReferenceServer(port=0) as server:
        yield server.url


@pytest.fixture
def recorder() -> Iterator[HttpServer]:
    with HttpServer() as server:
        yield server


def test_api_root_url_is_stripped_with_a_note(reference: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = conform("--url", f"{reference}/ngsi-ld/v1/", "--only", "CORE-001,QRY-003",
                   "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stdout + proc.stderr  # --only: the rest is not tested
    note = f"note: {reference}/ngsi-ld/v1 is the API root; testing the server root {reference}"
    assert note in proc.stdout
    doc = json.loads((out / "report.json").read_text())
    assert doc["target"]["url"] == reference
    status = {r["id"]: r["status"] for r in doc["requirements"]}
    assert status["CORE-001"] == status["QRY-003"] == "passed"
    urls = [json.loads(line)["url"] for line in (out / "evidence.jsonl").read_text().splitlines()]
    assert urls and not any("/ngsi-ld/v1/ngsi-ld/v1" in u for u in urls)


def test_out_under_a_file_exits_2_before_any_request(recorder: HttpServer, tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    proc = conform("--url", recorder.url, "--out", str(tmp_path / "blocker" / "run"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: --out: cannot write {tmp_path / 'blocker' / 'run'}: "
        f"{tmp_path / 'blocker'} is not a folder"
    )
    assert recorder.requests == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_default_reports_folder_exits_2(recorder: HttpServer, tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        proc = conform("--url", recorder.url, cwd=tmp_path)
    finally:
        tmp_path.chmod(0o755)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --out: cannot write reports: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert recorder.requests == []


def test_existing_report_folder_is_refused_without_force(
    recorder: HttpServer, tmp_path: Path
) -> None:
    out = tmp_path / "earlier"
    out.mkdir()
    (out / "report.json").write_text("{}")
    proc = conform("--url", recorder.url, "--out", str(out), "--only", "CORE-001", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: --out: {out} already holds a report (report.json); choose a new folder "
        "or add --force to overwrite it"
    )
    assert recorder.requests == [] and (out / "report.json").read_text() == "{}"
    forced = conform("--url", recorder.url, "--out", str(out), "--only", "CORE-001", "--force",
                     cwd=tmp_path)  # fmt: skip
    assert forced.returncode in (1, 3), forced.stderr
    assert json.loads((out / "report.json").read_text())["target"]["url"] == recorder.url


@pytest.fixture
def broken_bundle(tmp_path: Path) -> Path:
    """The published bundle with openapi.yaml cut short (still valid YAML: refs dangle)."""
    folder = tmp_path / "broken"
    shutil.copytree(BUNDLE, folder)
    openapi = folder / "openapi.yaml"
    lines = openapi.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith("components:"))
    openapi.write_text("".join(lines[:cut]))
    return folder


@pytest.mark.parametrize("only", [[], ["--only", "CORE-001"]])
def test_broken_bundle_exits_2_before_any_request(
    recorder: HttpServer, broken_bundle: Path, tmp_path: Path, only: list[str]
) -> None:
    proc = conform("--url", recorder.url, "--bundle", str(broken_bundle), *only, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: bundle city-os@1.0 is broken: ")
    assert "unresolved $ref" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert recorder.requests == [] and not (tmp_path / "reports").exists()


def test_only_in_an_undeclared_optional_class_names_the_fix(
    recorder: HttpServer, tmp_path: Path
) -> None:
    proc = conform("--url", recorder.url, "--only", "CORE-001,BAT-001", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: --only: BAT-001 is in optional class batch: add --class batch"
    )
    assert recorder.requests == []


def test_local_system_yaml_is_used_and_named(recorder: HttpServer, tmp_path: Path) -> None:
    (tmp_path / "system.yaml").write_text(f"name: vendor-x\nurl: {recorder.url}\n")
    proc = conform("--only", "CORE-001", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode in (1, 3), proc.stderr
    assert f"target: vendor-x at {recorder.url} (from system.yaml)" in proc.stdout
    assert recorder.requests  # the vendor's system was tested, not the reference server
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    assert doc["target"]["name"] == "vendor-x" and doc["options"]["reference"] is False


def test_reference_run_says_it_is_not_your_system(tmp_path: Path) -> None:
    proc = conform("--only", "CORE-001", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "target: the built-in reference server at http://127.0.0.1:" in proc.stdout
    assert "certify your system with --url or --system" in proc.stdout
    assert "\n*** SELF-TEST — not a certification ***\nVerdict: INCOMPLETE" in proc.stdout


def test_spec_show_refuses_the_broken_bundle(broken_bundle: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conform", "spec", "show", str(broken_bundle)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: bundle city-os@1.0 is broken: ")


@pytest.mark.parametrize(
    ("args", "what"), [(["init", "blocker/system.yaml"], "init"),
                       (["keys", "generate", "blocker/keys"], "keys generate")],
)  # fmt: skip
def test_init_and_keys_into_an_unwritable_place_exit_2(
    args: list[str], what: str, tmp_path: Path
) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    env = {**os.environ, "CONFORM_KEY_PASSPHRASE": "correct horse battery staple"}
    proc = subprocess.run(
        [sys.executable, "-m", "conform", *args],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {what}: cannot write ")
    assert proc.stderr.strip().endswith("blocker is not a folder")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_reports_last_follows_the_latest_run(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    first = conform("--url", url, cwd=tmp_path)
    second = conform("--url", url, "--baseline", "reports/last", cwd=tmp_path)
    assert first.returncode == second.returncode == 3, second.stderr
    runs = sorted(p for p in (tmp_path / "reports").iterdir() if p.name != "last")
    assert len(runs) == 2  # never the same folder, even within one second
    last = tmp_path / "reports" / "last"
    assert last.is_symlink() and last.resolve() == runs[-1].resolve()
    first_id = json.loads((runs[0] / "report.json").read_text())["run_id"]
    assert json.loads((last / "report.json").read_text())["options"]["baseline"] == first_id
