"""Data-model checks: entities of a bundle model type are validated in keyValues form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conform.datamodels import ModelSet
from conform.jsonld import ContextLibrary
from conform.reference import contexts
from conform.reference.attributes import key_values, types_of
from conform.reference.contexts import Rename, Terms
from conform.reference.problems import bad_data

_REQUIRED = re.compile(r'^"(.+)" is a required property')


class ModelValidators:
    """Validators for every model in a bundle's models/ folder, compiled once at start."""

    def __init__(self, models_dir: Path | None) -> None:
        self._models: ModelSet | None = None
        self._aliases: dict[str, tuple[str, Rename]] = {}  # model IRI -> (model, its names)
        if models_dir is None or not models_dir.is_dir():
            return
        self._models = ModelSet.from_models_dir(models_dir)
        for name in self._models.names:
            self._models.validator(name)

    @property
    def names(self) -> list[str]:
        """The model (entity type) names that are validated."""
        return self._models.names if self._models else []

    def learn_contexts(self, library: ContextLibrary) -> None:
        """Also validate entities whose type is a model's IRI under a shipped context.

        Names are stored compacted with the core context alone, so a model type sent with its
        Smart Data Models context is stored as an IRI; it is validated after compacting the
        entity's names with that context again (the schemas name the short terms).
        """
        core = library.names()
        for url in library.documents:
            names = library.names(url)
            for model in self.names:
                iri = names.expand(model)
                if iri != core.expand(model):
                    self._aliases[iri] = (model, Terms(core, names).show)

    def check(self, entity: dict[str, Any]) -> None:
        """400 BadRequestData naming the failing JSON pointer if the entity breaks its model."""
        if self._models is None:
            return
        for kind in types_of(entity):
            model, shown = self._aliases.get(kind, (kind, None))
            if model not in self._models.names:
                continue
            short = contexts.entity(entity, shown) if shown is not None else entity
            violations = self._models.validate(key_values(short), model)
            if violations:
                first = violations[0]
                missing = _REQUIRED.match(first.message)
                pointer = first.pointer + (f"/{missing.group(1)}" if missing else "")
                raise bad_data(
                    f"entity {entity['id']} does not match data model {model} at "
                    f"{pointer or '/'}: {first.message}"
                )
