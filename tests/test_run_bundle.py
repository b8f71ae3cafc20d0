"""The run's bundle drives everything: the embedded reference server and the suites' choices."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conform.bundle import load_bundle
from conform.errors import BundleError
from conform.reference import ReferenceServer
from conform.results import Status
from conform.runner import NullProgress, RunConfig, run_certification
from conform.runner.output import REPORT_FILE

ONE_ZERO = load_bundle("city-os@1.0")


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """city-os@1.1 copied into <tmp>/city-os/1.1 with `defaults.page_size: 5`."""
    folder = tmp_path_factory.mktemp("specs") / "city-os" / "1.1"
    shutil.copytree(load_bundle("city-os@1.1").path, folder)
    manifest = folder / "bundle.yaml"
    text = manifest.read_text(encoding="utf-8")
    changed = re.sub(r"page_size: 20\b", "page_size: 5", text)
    assert changed != text
    manifest.write_text(changed, encoding="utf-8")
    return folder


@pytest.fixture
def one_zero_server() -> Iterator[ReferenceServer]:
    with ReferenceServer(ONE_ZERO, port=0) as server:
        yield server


def _qry016(bundle: Path, out: Path, url: str | None = None) -> tuple[Status, str]:
    config = RunConfig(url=url, bundle=str(bundle), only=("QRY-016",), out=out, seed=3)
    report = run_certification(config, NullProgress()).report
    result = next(r for r in report.requirements if r.id == "QRY-016")
    return result.status, result.message


def test_page_size_5_fails_against_a_server_built_from_1_0(
    small_pages: Path, one_zero_server: ReferenceServer, tmp_path: Path
) -> None:
    status, message = _qry016(small_pages, tmp_path / "out", one_zero_server.url)
    assert status is Status.FAILED, message
    assert "expected 5 entities" in message and "got 20" in message


def test_page_size_5_passes_against_the_embedded_server_built_from_the_copy(
    small_pages: Path, tmp_path: Path
) -> None:
    status, message = _qry016(small_pages, tmp_path / "out")
    assert status is Status.PASSED, message
    assert (tmp_path / "out" / REPORT_FILE).is_file()


def test_page_size_5_passes_against_a_server_built_from_the_copy(
    small_pages: Path, tmp_path: Path
) -> None:
    with ReferenceServer(load_bundle(small_pages), port=0) as server:
        status, message = _qry016(small_pages, tmp_path / "out", server.url)
    assert status is Status.PASSED, message


def test_the_reference_server_serves_its_bundles_openapi_and_defaults() -> None:
    import requests

    with ReferenceServer(ONE_ZERO, port=0) as server:
        served = requests.get(f"{server.url}/openapi.yaml", timeout=5)
    assert served.content == ONE_ZERO.openapi_path.read_bytes()
    assert server.services.settings.page_size == 20


def test_the_reference_server_refuses_a_bundle_of_another_protocol() -> None:
    other = dataclasses.replace(ONE_ZERO, profile="ngsi-v2")
    with pytest.raises(
        BundleError, match="speaks ngsi-v2; the reference server implements ngsi-ld"
    ):
        ReferenceServer(other)


def test_the_system_file_names_its_bundle(tmp_path: Path) -> None:
    """An Orion city OS's system.yaml says `bundle: city-os-v2` once; --bundle still wins."""
    import json

    from conform.cli import app
    from conform.reference.choose import for_bundle

    v2 = load_bundle("city-os-v2")
    with for_bundle(v2) as server:
        system = tmp_path / "system.yaml"
        system.write_text(f"name: orion\nurl: {server.url}\nbundle: city-os-v2\n")
        args = ["run", "--system", str(system), "--only", "CORE-001", "--out"]
        app(args=[*args, str(tmp_path / "a")], standalone_mode=False)
        doc = json.loads((tmp_path / "a" / REPORT_FILE).read_text())
        assert (doc["bundle"]["id"], doc["bundle"]["sha256"]) == (v2.id, v2.sha256)
        core1 = next(r for r in doc["requirements"] if r["id"] == "CORE-001")
        assert core1["status"] == "passed", core1["message"]
        other = ["--bundle", "city-os@1.0", "--out", str(tmp_path / "b")]
        app(args=[*args[:-1], *other], standalone_mode=False)
        assert json.loads((tmp_path / "b" / REPORT_FILE).read_text())["bundle"]["version"] == "1.0"
