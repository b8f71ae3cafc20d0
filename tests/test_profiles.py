"""Protocol profiles: resolved from bundle.yaml's `profile:`, one frozen object per protocol."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from conform.bundle import load_bundle
from conform.errors import BundleError
from conform.namespace import Namespace
from conform.profiles import (
    DEFAULT_PROFILE,
    Profile,
    check_map,
    default_profile,
    known_profiles,
    load_profile,
    profile_for,
)
from conform.profiles.ngsi_ld import PROFILE as NGSI_LD
from conform.suite import expect_problem
from conform.suite.expect import bind_profile


def test_ngsi_ld_is_known_and_the_default() -> None:
    assert "ngsi-ld" in known_profiles()
    assert DEFAULT_PROFILE == "ngsi-ld"
    assert default_profile() is NGSI_LD is load_profile("ngsi-ld")
    assert isinstance(NGSI_LD, Profile)
    with pytest.raises(dataclasses.FrozenInstanceError):
        NGSI_LD.api_root = "/v2"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["ngsi-v9", "NGSI-LD", "../ngsi_ld", "", "ngsi_ld"])
def test_an_unknown_profile_is_a_bundle_error_naming_the_known_ones(name: str) -> None:
    with pytest.raises(BundleError, match=r"unknown profile .* \(known profiles: ngsi-ld"):
        load_profile(name)


def test_city_os_1_0_has_no_profile_key_and_speaks_ngsi_ld_with_the_default_checks() -> None:
    one_zero = load_bundle("city-os@1.0")
    assert "profile" not in one_zero.manifest and one_zero.checks is None
    assert profile_for(one_zero) is NGSI_LD
    assert check_map(one_zero) == NGSI_LD.default_checks


def test_city_os_1_1_names_its_profile_and_carries_its_check_map() -> None:
    one_one = load_bundle("city-os@1.1")
    assert one_one.manifest["profile"] == "ngsi-ld" and profile_for(one_one) is NGSI_LD
    assert one_one.checks is not None and check_map(one_one) == dict(one_one.checks)
    assert set(check_map(one_one).values()) == {"ERR-021", "ERR-022", "ERR-023"}


def test_a_bundles_check_map_replaces_the_profiles(tmp_path: Path) -> None:
    folder = tmp_path / "city-os" / "1.1"
    shutil.copytree(load_bundle("city-os@1.1").path, folder)
    manifest = folder / "bundle.yaml"
    text = manifest.read_text(encoding="utf-8")
    start = text.index("checks:")
    end = text.index("classes:")
    manifest.write_text(text[:start] + "checks: {not_a_server_error: ERR-021}\n" + text[end:])
    assert check_map(load_bundle(folder)) == {"not_a_server_error": "ERR-021"}


def test_the_probe_asks_for_a_declared_model_or_a_placeholder() -> None:
    assert NGSI_LD.probe.request(("Streetlight", "ParkingSpot")) == (
        "/entities", {"type": "Streetlight", "limit": "1"},
    )  # fmt: skip
    assert NGSI_LD.probe.request(()) == ("/entities", {"type": "Thing", "limit": "1"})


def test_namespace_ids_take_the_profiles_form() -> None:
    ns = Namespace.new("abcd1234", NGSI_LD.id_form)
    assert ns.entity_id("Streetlight") == "urn:ngsi-ld:Streetlight:conform-abcd1234-1"
    other = Namespace.new("abcd1234", "{type}:{local}")
    eid = other.entity_id("Streetlight")
    assert eid == "Streetlight:conform-abcd1234-1" and other.owns(eid)


def test_error_types_are_the_prefix_and_the_name() -> None:
    assert NGSI_LD.error_type("BadRequestData") == (
        "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    )


class _Problem:
    """A response carrying a problem body (what `expect_problem` reads)."""

    status_code = 404
    media_type = "application/json"

    def __init__(self, type_: str) -> None:
        self.headers = {"Content-Type": "application/json"}
        self.body = {"type": type_, "title": "Not found"}
        self.text = str(self.body)

    def json(self) -> dict[str, str]:
        return self.body


def test_expect_problem_checks_the_bound_profiles_error_type() -> None:
    other = dataclasses.replace(NGSI_LD, name="other", error_type_prefix="https://e.example/err/")
    ngsi = _Problem("https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound")
    mine = _Problem("https://e.example/err/ResourceNotFound")
    expect_problem(ngsi, 404, "ResourceNotFound")  # nothing bound: the default profile
    try:
        bind_profile(other)
        expect_problem(mine, 404, "ResourceNotFound")
        with pytest.raises(AssertionError, match=r"expected error type https://e\.example/err/"):
            expect_problem(ngsi, 404, "ResourceNotFound")
    finally:
        bind_profile(NGSI_LD)
    with pytest.raises(AssertionError, match=r"ngsi-ld/errors/ResourceNotFound"):
        expect_problem(mine, 404, "ResourceNotFound")


def test_an_in_process_run_leaves_the_profile_it_found(tmp_path: Path) -> None:
    """A v2 run inside a process that runs NGSI-LD checks afterwards (a script, a test worker)
    hands back the binding it found: expect_problem judged later NGSI-LD answers by v2 errors."""
    from conform.cli import app
    from conform.suite import expect

    before = list(expect._PROFILE)
    args = ["run", "--bundle", "city-os-v2", "--only", "CORE-001", "--out", str(tmp_path / "r")]
    assert app(args=args, standalone_mode=False) == 3  # --only: INCOMPLETE, CORE-001 passed
    assert json.loads((tmp_path / "r" / "report.json").read_text())["summary"]["passed"] == 1
    assert list(expect._PROFILE) == before  # nothing left bound by the v2 run
