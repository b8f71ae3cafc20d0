"""Reading a user's YAML file (system.yaml, waivers) with one-line errors naming file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conform.errors import ConfigError


def load_yaml_file(path: Path, what: str) -> Any:
    """The parsed document; a ConfigError naming PATH (and the line) when it cannot be read."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        # pyyaml's own message spans lines; one line names the file, line and problem
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
