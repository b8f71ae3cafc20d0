"""The CI templates parse, run only conform commands and options that exist, publish junit.xml
and summary.md, and gate on regressions."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer._click.core import Command, Context  # typer 0.29 vendors click
from typer.main import get_command

from conform.cli import app

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "ci-templates").rglob("*.yml"))


def _scripts(doc: Any) -> Iterator[str]:
    """Every shell text of a workflow or pipeline: GitHub `run:`, GitLab `script:` lists."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in ("script", "before_script") and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from _scripts(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _scripts(item)


def _conform_commands(doc: Any) -> list[list[str]]:
    commands = []
    for script in _scripts(doc):
        for line in script.splitlines():
            line = re.sub(r"\$\{\{[^}]*\}\}", "X", line.strip())
            if line.startswith("conform "):
                commands.append(shlex.split(line)[1:])
    return commands


def _check_command(args: list[str]) -> None:
    """ARGS name a real (sub)command, and every option it uses is one of that command's."""
    command: Command = get_command(app)
    while hasattr(command, "list_commands") and args and not args[0].startswith("-"):
        sub = command.get_command(Context(command), args[0])  # type: ignore[attr-defined]
        assert sub is not None, f"no command {args[0]!r}"
        command, args = sub, args[1:]
    assert not hasattr(command, "list_commands"), "names a command group, not a command"
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    used = {a.split("=")[0] for a in args if a.startswith("-")}
    assert used <= known, f"{command.name}: unknown options {sorted(used - known)}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_template_runs_real_conform_commands_and_gates(template: Path) -> None:
    doc = yaml.safe_load(template.read_text(encoding="utf-8"))
    commands = _conform_commands(doc)
    assert commands, "the template runs no conform command"
    for args in commands:
        _check_command(args)
    runs = [args for args in commands if args[0] == "run"]
    assert runs and all("--fail-on-regression" in args and "--baseline" in args for args in runs)
    text = template.read_text(encoding="utf-8")
    assert "junit.xml" in text and ("summary.md" in text or "reports/" in text)


def test_templates_cover_both_ci_systems_and_a_matrix() -> None:
    names = {p.relative_to(ROOT / "ci-templates").as_posix() for p in TEMPLATES}
    assert {
        "github/conform.yml",
        "github/conform-matrix.yml",
        "gitlab/conform.gitlab-ci.yml",
    } <= names
    gitlab = yaml.safe_load((ROOT / "ci-templates/gitlab/conform.gitlab-ci.yml").read_text())
    assert gitlab["conform-matrix"]["parallel"]["matrix"]
    matrix = yaml.safe_load((ROOT / "ci-templates/github/conform-matrix.yml").read_text())
    assert matrix["jobs"]["certify"]["strategy"]["fail-fast"] is False


def test_an_unknown_option_would_be_caught() -> None:
    """The check above can fail: a template using a flag conform does not have."""
    with pytest.raises(AssertionError, match="unknown options"):
        _check_command(["run", "--frobnicate"])
    with pytest.raises(AssertionError, match="no command"):
        _check_command(["certify"])
