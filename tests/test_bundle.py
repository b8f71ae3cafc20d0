"""Bundle loading: lookup by id/version/folder, strict structure checks, content hash."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conform.bundle import (
    SPECS_PATH_ENV,
    BundleError,
    content_hash,
    find_bundles,
    load_bundle,
)
from conform.results import Level

REPO = Path(__file__).resolve().parents[1]
MINIMAL = Path(__file__).parent / "data" / "bundles" / "good" / "minimal"


def _publish(root: Path, version: str) -> Path:
    """Copy the minimal bundle into ROOT as mini-city/VERSION."""
    folder = root / "mini-city" / version
    shutil.copytree(MINIMAL, folder)
    manifest = folder / "bundle.yaml"
    manifest.write_text(manifest.read_text().replace('version: "1.0"', f'version: "{version}"'))
    return folder


def test_load_by_path_exposes_manifest_classes_and_requirements() -> None:
    bundle = load_bundle(MINIMAL)
    assert (bundle.id, bundle.version, bundle.ref) == ("mini-city", "1.0", "mini-city@1.0")
    assert bundle.title["ja"] == "最小の都市OS"
    assert bundle.manifest["published"] == "2026-11-26"  # dates stay strings (JSON-safe)
    assert [c.id for c in bundle.mandatory_classes] == ["core-entities"]
    assert [c.id for c in bundle.optional_classes] == ["batch"]
    req = bundle.requirement("CORE-002")
    assert (req.level, req.cls, req.clause) == (
        Level.MUST,
        "core-entities",
        "ETSI GS CIM 009 5.7.1",
    )
    assert bundle.cls("batch").mandatory is False
    assert sorted(bundle.model_paths()) == ["Gadget", "Widget"]
    assert bundle.load_openapi()["openapi"] == "3.0.3"
    assert bundle.level_counts()["core-entities"][Level.SHOULD] == 1
    assert bundle.sha256 == content_hash(MINIMAL)


def test_unknown_requirement_and_class_are_bundle_errors() -> None:
    bundle = load_bundle(MINIMAL)
    with pytest.raises(BundleError, match="no requirement 'CORE-999'"):
        bundle.requirement("CORE-999")
    with pytest.raises(BundleError, match=r"no class 'nope' \(classes: core-entities, batch\)"):
        bundle.cls("nope")


def test_latest_version_compares_numerically(tmp_path: Path) -> None:
    for version in ("1.2", "1.9", "1.10"):
        _publish(tmp_path, version)
    assert load_bundle("mini-city", search=tmp_path).version == "1.10"
    assert load_bundle("mini-city@1.9", search=tmp_path).version == "1.9"
    assert [b.version for b in find_bundles(tmp_path)] == ["1.2", "1.9", "1.10"]


def test_unknown_id_and_version_list_what_exists(tmp_path: Path) -> None:
    _publish(tmp_path, "1.0")
    with pytest.raises(
        BundleError, match=r"unknown bundle 'nope' \(known bundles: mini-city@1.0\)"
    ):
        load_bundle("nope", search=tmp_path)
    with pytest.raises(BundleError, match=r"has no version '2.0' \(known: 1.0\)"):
        load_bundle("mini-city@2.0", search=tmp_path)


def test_folder_must_match_manifest(tmp_path: Path) -> None:
    shutil.copytree(MINIMAL, tmp_path / "other-city" / "1.0")
    with pytest.raises(
        BundleError, match=r"says mini-city@1\.0 but lives in folder other-city/1\.0"
    ):
        load_bundle("other-city@1.0", search=tmp_path)


def test_env_path_adds_search_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _publish(tmp_path, "3.0")
    monkeypatch.setenv(SPECS_PATH_ENV, str(tmp_path))
    assert load_bundle("mini-city").version == "3.0"
    assert "mini-city@3.0" in [b.ref for b in find_bundles()]


def test_same_bundle_in_two_search_folders_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish(tmp_path / "a", "1.0")
    _publish(tmp_path / "b", "1.0")
    monkeypatch.setenv(SPECS_PATH_ENV, os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    with pytest.raises(BundleError, match="found twice"):
        load_bundle("mini-city@1.0")


def test_duplicate_yaml_key_is_refused_with_line(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    with (folder / "bundle.yaml").open("a") as fh:
        fh.write("publisher: someone else\n")
    with pytest.raises(BundleError, match=r"bundle.yaml: line 16: duplicate key 'publisher'"):
        load_bundle(folder)


def test_part_outside_the_bundle_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    shutil.copy(MINIMAL / "openapi.yaml", tmp_path / "outside.yaml")
    manifest = folder / "bundle.yaml"
    manifest.write_text(
        manifest.read_text().replace("openapi: openapi.yaml", "openapi: ../outside.yaml")
    )
    with pytest.raises(BundleError, match=r"parts\.openapi: file '\.\./outside\.yaml' not found"):
        load_bundle(folder)


def test_content_hash_canonical_form(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_bytes(b"x\r\ny\n")
    (tmp_path / "sub" / "a.bin").write_bytes(b"\0\r\n")
    (tmp_path / ".hidden").write_text("ignored")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.pyc").write_bytes(b"ignored")
    text_digest = hashlib.sha256(b"x\ny\n").hexdigest()  # CRLF normalised
    binary_digest = hashlib.sha256(b"\0\r\n").hexdigest()  # has NUL: bytes as they are
    lines = [f"{text_digest}  b.txt\n", f"{binary_digest}  sub/a.bin\n"]
    assert content_hash(tmp_path) == hashlib.sha256("".join(lines).encode()).hexdigest()


def test_content_hash_ignores_line_endings_but_not_content(tmp_path: Path) -> None:
    lf, crlf = tmp_path / "lf", tmp_path / "crlf"
    shutil.copytree(MINIMAL, lf)
    shutil.copytree(MINIMAL, crlf)
    for path in crlf.rglob("*.yaml"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert content_hash(lf) == content_hash(crlf) == content_hash(MINIMAL)
    (lf / "requirements.yaml").write_text((lf / "requirements.yaml").read_text() + "# edit\n")
    assert content_hash(lf) != content_hash(MINIMAL)


def test_loading_does_not_refuse_clause_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    reqs = folder / "requirements.yaml"
    reqs.write_text(reqs.read_text().replace('"RFC 7807 3.1"', '"RFC 7807"'))
    assert load_bundle(folder).requirement("CORE-003").clause == "RFC 7807"


def test_real_city_os_bundle_loads() -> None:
    if not (REPO / "specs" / "city-os" / "1.0" / "bundle.yaml").is_file():
        pytest.skip("specs/city-os/1.0/bundle.yaml not written yet")
    bundle = load_bundle("city-os@1.0")
    assert bundle.mandatory_classes and bundle.requirements and bundle.model_paths()
    assert all(r.cls in {c.id for c in bundle.classes} for r in bundle.requirements)


def test_requirement_title_in_two_languages(tmp_path: Path) -> None:
    """A title is English text (as 1.0 has it) or {en, ja}; a Japanese report takes the ja one."""
    from conform.i18n import requirement_title

    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    reqs = folder / "requirements.yaml"
    text = reqs.read_text()
    first = text.index("title:", text.index("CORE-002"))
    end = text.index("\n", first)
    reqs.write_text(text[:first] + 'title: {en: "Reads back", ja: "読み戻し"}' + text[end:])
    req = load_bundle(folder).requirement("CORE-002")
    assert (req.title, req.titles) == ("Reads back", {"en": "Reads back", "ja": "読み戻し"})
    assert requirement_title(req.title, req.statement, "ja", req.titles) == "読み戻し"
    plain = load_bundle(MINIMAL).requirement("CORE-001")
    assert plain.titles == {"en": plain.title}

    reqs.write_text(text[:first] + 'title: {ja: "読み戻し"}' + text[end:])
    with pytest.raises(BundleError, match=r"'title' must be a mapping with at least an 'en' text"):
        load_bundle(folder)
