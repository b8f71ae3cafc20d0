"""Data-model checks: entities of a bundle model type are validated in keyValues form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conform.datamodels import ModelSet
from conform.reference.attributes import key_values, types_of
from conform.reference.problems import bad_data

_REQUIRED = re.compile(r'^"(.+)" is a required property')


class ModelValidators:
    """Validators for every model in a bundle's models/ folder, compiled once at start."""

    def __init__(self, models_dir: Path | None) -> None:
        self._models: ModelSet | None = None
        if models_dir is None or not models_dir.is_dir():
            return
        self._models = ModelSet.from_models_dir(models_dir)
        for name in self._models.names:
            self._models.validator(name)

    @property
    def names(self) -> list[str]:
        """The model (entity type) names that are validated."""
        return self._models.names if self._models else []

    def check(self, entity: dict[str, Any]) -> None:
        """400 BadRequestData naming the failing JSON pointer if the entity breaks its model."""
        if self._models is None:
            return
        for kind in types_of(entity):
            if kind not in self._models.names:
                continue
            violations = self._models.validate(key_values(entity), kind)
            if violations:
                first = violations[0]
                missing = _REQUIRED.match(first.message)
                pointer = first.pointer + (f"/{missing.group(1)}" if missing else "")
                raise bad_data(
                    f"entity {entity['id']} does not match data model {kind} at "
                    f"{pointer or '/'}: {first.message}"
                )
