"""What the README shows works: its waiver example loads and names a real requirement."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from conform.bundle import load_bundle
from conform.waivers import load_waivers

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_waiver_example_loads(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n# waivers\.yaml\n(.*?)```", README.read_text(), re.DOTALL)
    assert block, "README shows no waivers.yaml example"
    (tmp_path / "waivers.yaml").write_text(block.group(1))
    known = {r.id for r in load_bundle("city-os@1.0").requirements}
    waivers, warnings = load_waivers(tmp_path / "waivers.yaml", dt.date(2027, 1, 1), known)
    assert warnings == [] and [w.requirement for w in waivers] == ["SUB-012"]


def test_readme_tour_names_both_bundles_and_each_loads() -> None:
    """The tour shows the NGSI-LD and the NGSI v2 bundle, and every bundle it names exists."""
    tour = re.search(r"## A short tour\n\n```sh\n(.*?)```", README.read_text(), re.DOTALL)
    assert tour, "README has no tour"
    bundle = r"([a-z0-9-]+(?:@[0-9.]*[0-9])?)"
    named = set(re.findall(rf"(?:--bundle |spec (?:show|diff) ){bundle}", tour.group(1)))
    named |= set(re.findall(rf"spec diff \S+ {bundle}", tour.group(1)))
    assert {n.split("@")[0] for n in named} == {"city-os", "city-os-v2"}, named
    for name in named:
        load_bundle(name)
    assert "specs/city-os/1.0" in tour.group(1)  # spec lint's folder
