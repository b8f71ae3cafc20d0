"""`conform init` through the real CLI: a template that loads once the URL is filled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conform.target import load_system


def conform(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conform", *args], capture_output=True, text=True, cwd=cwd
    )


def test_init_writes_a_template_that_loads_once_filled(tmp_path: Path) -> None:
    done = conform("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "system.yaml"
    text = path.read_text()
    path.write_text(text.replace('url: ""', 'url: "https://staging.example.city"', 1))
    cfg = load_system(path)
    assert (cfg.name, cfg.url) == ("my-system", "https://staging.example.city")


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "sys.yaml"
    path.write_text("mine")
    done = conform("init", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {path} already exists; use --force to overwrite it"
    ]
    assert path.read_text() == "mine"
    assert conform("init", str(path), "--force", cwd=tmp_path).returncode == 0
    assert path.read_text().startswith("# conform system file")


def test_unfilled_template_names_the_missing_url(tmp_path: Path) -> None:
    conform("init", cwd=tmp_path)
    done = conform("run", "--system", "system.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "url: missing" in done.stderr
