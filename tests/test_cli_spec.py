"""Acceptance tests of `conform spec list|show|lint` and every bad-input case, via the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUNDLES = Path(__file__).parent / "data" / "bundles"
MINIMAL = BUNDLES / "good" / "minimal"
CASE_CONTROL = {"expected.txt", "args.txt", "exit.txt", "delete.txt"}


@dataclass(frozen=True)
class CliResult:
    """What one `conform` process did."""

    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, specs_path: Path | None = None) -> CliResult:
    """Run `python -m conform ARGS` exactly as a user would, optionally with extra bundles."""
    env = {k: v for k, v in os.environ.items() if k != "CONFORM_SPECS_PATH"}
    if specs_path is not None:
        env["CONFORM_SPECS_PATH"] = str(specs_path)
    proc = subprocess.run(
        [sys.executable, "-m", "conform", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def specs_path(tmp_path: Path) -> Path:
    """A search folder holding the minimal bundle as mini-city/1.0 and mini-city/1.10."""
    root = tmp_path / "specs"
    shutil.copytree(MINIMAL, root / "mini-city" / "1.0")
    newer = root / "mini-city" / "1.10"
    shutil.copytree(MINIMAL, newer)
    manifest = newer / "bundle.yaml"
    manifest.write_text(manifest.read_text().replace('version: "1.0"', 'version: "1.10"'))
    return root


def assemble(case: Path, into: Path) -> Path:
    """The minimal bundle with the case's files laid over it (see bad/README.md)."""
    bundle = into / "bundle"
    shutil.copytree(MINIMAL, bundle)
    for path in case.rglob("*"):
        relative = path.relative_to(case)
        if path.is_file() and str(relative) not in CASE_CONTROL:
            (bundle / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, bundle / relative)
    deletions = case / "delete.txt"
    for name in deletions.read_text().split() if deletions.exists() else []:
        (bundle / name).unlink()
    return bundle


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in (BUNDLES / kind).iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _cases("bad"), ids=lambda p: p.name)
def test_bad_input(case: Path, tmp_path: Path, specs_path: Path) -> None:
    bundle = assemble(case, tmp_path)
    args_file = case / "args.txt"
    template = args_file.read_text().strip() if args_file.exists() else "spec show {bundle}"
    args = [a.format(bundle=bundle, case=case) for a in template.split()]
    exit_file = case / "exit.txt"
    expected_code = int(exit_file.read_text()) if exit_file.exists() else 2
    expected = (case / "expected.txt").read_text().strip()
    result = run_cli(*args, specs_path=specs_path)
    assert result.code == expected_code, result
    assert "Traceback" not in result.stderr + result.stdout
    if expected_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert expected in lines[0]
    else:
        assert expected in result.stdout


@pytest.mark.parametrize("case", _cases("good"), ids=lambda p: p.name)
def test_good_bundle_shows_and_lints_clean(case: Path) -> None:
    shown = run_cli("spec", "show", str(case))
    assert shown.code == 0, shown
    linted = run_cli("spec", "lint", str(case))
    assert linted.code == 0, linted
    assert linted.stdout.splitlines()[-1] == "0 errors, 0 warnings"


def test_list_shows_bundles_with_short_and_full_hash(specs_path: Path) -> None:
    from conform.bundle import content_hash

    digest = content_hash(MINIMAL)
    short = run_cli("spec", "list", specs_path=specs_path)
    assert short.code == 0
    rows = [line.split()[:2] for line in short.stdout.splitlines()]  # columns fit the longest id
    row = next(
        line for line in short.stdout.splitlines() if line.split()[:2] == ["mini-city", "1.0"]
    )
    assert digest[:12] in row and digest not in row and "Minimal city OS" in row
    assert ["mini-city", "1.10"] in rows
    full = run_cli("spec", "list", "--long", "--lang", "ja", specs_path=specs_path)
    assert digest in full.stdout and "最小の都市OS" in full.stdout


def test_show_by_id_picks_latest_version_and_lists_requirements(specs_path: Path) -> None:
    result = run_cli("spec", "show", "mini-city", "--requirements", specs_path=specs_path)
    assert result.code == 0, result
    out = result.stdout
    assert "mini-city@1.10" in out
    assert "core-entities  mandatory  2     1       0    Core entities" in out
    assert "batch          optional   0     0       1    Batch operations" in out
    assert "4 requirements (2 MUST, 1 SHOULD, 1 MAY)" in out
    assert (
        "CORE-002  MUST    core-entities  ETSI GS CIM 009 5.7.1  Unknown entity answers 404" in out
    )


def test_show_in_japanese(specs_path: Path) -> None:
    result = run_cli("spec", "show", "mini-city@1.0", "--lang", "ja", specs_path=specs_path)
    assert result.code == 0
    assert "エンティティ基本操作" in result.stdout and "mini-city@1.0" in result.stdout


def test_lint_etsi_openapi_flags_known_defects() -> None:
    etsi = REPO.parent / "shared" / "reference" / "etsi-ngsi-ld-api-1.7.1.yaml"
    if not etsi.is_file():
        pytest.skip(f"shared reference files not present at {etsi.parent}")
    result = run_cli("spec", "lint", str(etsi), "--format", "json")
    assert result.code == 1
    doc = json.loads(result.stdout)
    codes = {f["code"] for f in doc["findings"]}
    assert {"media-type", "missing-406", "missing-415"} <= codes
    ld = [f for f in doc["findings"] if f["code"] == "media-type"]
    assert len(ld) == 37 and all(f["hint"] == "did you mean application/ld+json?" for f in ld)
    assert doc["errors"] == sum(f["severity"] == "error" for f in doc["findings"])


def test_lint_text_output_lines_and_summary(tmp_path: Path) -> None:
    bundle = assemble(BUNDLES / "bad" / "unresolved-ref", tmp_path)
    result = run_cli("spec", "lint", str(bundle))
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{bundle}/openapi.yaml:/paths/~1entities/post/requestBody/content/application~1json/"
        "schema/$ref: error: unresolved $ref '#/components/schemas/Entiy' "
        "(hint: did you mean '#/components/schemas/Entity'?)"
    )
    assert lines[-1] == "1 error, 0 warnings"


def test_lint_missing_path_is_exit_2(tmp_path: Path) -> None:
    result = run_cli("spec", "lint", str(tmp_path / "nope"))
    assert result.code == 2
    assert result.stderr.startswith("error: ") and "no such file or folder" in result.stderr


def test_real_city_os_bundle_loads_and_lints_clean() -> None:
    folder = REPO / "specs" / "city-os" / "1.0"
    if not (folder / "bundle.yaml").is_file():
        pytest.skip("specs/city-os/1.0/bundle.yaml not written yet")
    result = run_cli("spec", "lint", str(folder))
    assert result.code == 0, result.stdout
    shown = run_cli("spec", "show", "city-os@1.0")
    assert shown.code == 0 and "city-os@1.0" in shown.stdout


def test_titles_in_two_languages_show_in_japanese_and_lint_for_gaps(tmp_path: Path) -> None:
    """A bundle that titles requirements in Japanese shows those titles with --lang ja; lint warns
    about each requirement left with an English title only (a ja report would mix the two)."""
    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    reqs = folder / "requirements.yaml"
    old = 'title: "Unknown entity answers 404"'
    reqs.write_text(reqs.read_text().replace(old, 'title: {en: "Unknown 404", ja: "未知は 404"}'))
    shown = run_cli("spec", "show", str(folder), "--requirements", "--lang", "ja")
    assert shown.code == 0, shown
    assert "ETSI GS CIM 009 5.7.1  未知は 404" in shown.stdout
    assert "ETSI GS CIM 009 5.6.1  Create entity answers 201 with Location" in shown.stdout
    linted = run_cli("spec", "lint", str(folder))
    assert linted.code == 0, linted
    warned = [line for line in linted.stdout.splitlines() if ": warning: " in line]
    assert len(warned) == 3 and warned[0].endswith(
        "requirements.yaml:line 3: warning: requirement CORE-001: no ja title "
        "(other requirements have one)"
    )
    assert linted.stdout.splitlines()[-1] == "0 errors, 3 warnings"


@pytest.mark.parametrize("bundle", ["city-os@1.1", "city-os-v2@1.0"])
def test_published_requirements_have_japanese_titles(bundle: str) -> None:
    from conform.bundle import load_bundle

    loaded = load_bundle(bundle)
    assert all(r.titles.get("ja") for r in loaded.requirements)
    first = loaded.requirements[0]
    shown = run_cli("spec", "show", bundle, "--requirements", "--lang", "ja")
    assert shown.code == 0 and f"  {first.titles['ja']}\n" in shown.stdout
    linted = run_cli("spec", "lint", str(loaded.path))
    assert linted.code == 0 and "no ja title" not in linted.stdout, linted.stdout


def test_diff_does_not_count_a_new_japanese_title_as_a_change(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    reqs = folder / "requirements.yaml"
    old = 'title: "Unknown entity answers 404"'
    new = 'title: {en: "Unknown entity answers 404", ja: "未知は 404"}'
    reqs.write_text(reqs.read_text().replace(old, new))
    result = run_cli("spec", "diff", str(MINIMAL), str(folder))
    assert result.code == 0, result
    assert result.stdout.startswith("no changes from mini-city@1.0 to mini-city@1.0"), result.stdout
