"""JSON-LD term expansion and compaction with a real processor (pyld), offline.

The contexts come from the bundle's `contexts/` folder (`index.yaml`: URL -> file); the document
loader handed to pyld serves those files and refuses every other URL, so no context is ever
fetched from the network. The NGSI-LD core context is always applied last (CIM 009 5.5.7).
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyld import jsonld

INDEX = "index.yaml"
_PROCESSOR = jsonld.JsonLdProcessor()


class ContextNotAvailable(Exception):
    """A remote @context this library does not hold (LdContextNotAvailable)."""

    def __init__(self, url: str) -> None:
        super().__init__(f"@context {url} is not available")
        self.url = url


class InvalidContext(Exception):
    """An @context the JSON-LD processor rejects."""


@dataclass(frozen=True)
class Names:
    """Term translation under one active context: full IRIs and back (pyld's IRI algorithms)."""

    active: Any = None  # the pyld active context; None: no processing (names unchanged)
    by_iri: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def expand(self, term: str) -> str:
        """The IRI of a term (vocabulary-relative, as type and attribute names are)."""
        if self.active is None:
            return term
        return str(_PROCESSOR._expand_iri(self.active, term, vocab=True))

    def compact(self, iri: str) -> str:
        """The shortest term or compact IRI this context gives for IRI.

        A name is no value: a term defined for IRI wins even when it coerces its values'
        type (the core context's `observedAt`), as pyld alone would give `ngsi-ld:observedAt`.
        """
        if self.active is None:
            return iri
        compacted = str(_PROCESSOR._compact_iri(self.active, iri, vocab=True))
        if ":" not in compacted:
            return compacted
        return self._terms().get(iri, compacted)

    def _terms(self) -> dict[str, str]:
        """IRI -> the shortest plain term defined for it (built once)."""
        if not self.by_iri:
            found: dict[str, str] = {"": ""}
            for term, definition in (self.active.get("mappings") or {}).items():
                iri = definition.get("@id") if isinstance(definition, dict) else None
                if isinstance(iri, str) and ":" not in term:
                    best = found.get(iri)
                    found[iri] = term if best is None else min(best, term, key=_shortest)
            self.by_iri.update(found)
        return self.by_iri


IDENTITY = Names()


def _shortest(term: str) -> tuple[int, str]:
    return len(term), term


def context_list(context: Any) -> list[Any]:
    """An @context value (URL, object or array) as a list; None is empty."""
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


class ContextLibrary:
    """The contexts a bundle ships, and the active contexts built from them (cached)."""

    def __init__(self, folder: Path | None) -> None:
        self.documents: dict[str, Any] = {}
        self.core_url = ""  # the first core context the index names
        self.core_urls: set[str] = set()  # every URL naming it (versioned and unversioned)
        index = folder / INDEX if folder is not None else None
        if index is not None and index.is_file():
            for item in (yaml.safe_load(index.read_text(encoding="utf-8")) or {})["contexts"]:
                text = (index.parent / item["file"]).read_text(encoding="utf-8")
                self.documents[item["url"]] = json.loads(text)
                if item.get("core"):
                    self.core_url = self.core_url or item["url"]
                    self.core_urls.add(item["url"])
        self._cache: dict[str, Names] = {}
        self._lock = threading.Lock()

    def load(self, url: str, options: Any = None) -> dict[str, Any]:
        """pyld's document loader: only the shipped files, never the network."""
        document = self.documents.get(url)
        if document is None:
            raise ContextNotAvailable(url)
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}

    def is_core(self, context: Any) -> bool:
        """Whether CONTEXT (one @context item) names the core context."""
        return isinstance(context, str) and context in self.core_urls

    def names(self, context: Any = None) -> Names:
        """Names under CONTEXT followed by the core context; ContextNotAvailable, InvalidContext."""
        local = [c for c in context_list(context) if not self.is_core(c)]
        local.append(self.core_url)
        key = json.dumps(local, sort_keys=True)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = Names(self._process(local))
            return self._cache[key]

    def _process(self, local: list[Any]) -> Any:
        options = {"documentLoader": self.load}
        try:
            initial = _PROCESSOR.process_context(None, None, options)
            return _PROCESSOR.process_context(initial, local, options)
        except jsonld.JsonLdError as exc:
            cause: BaseException | None = exc
            while cause is not None:
                if isinstance(cause, ContextNotAvailable):
                    raise cause from exc
                cause = cause.__cause__ or getattr(cause, "cause", None)
            raise InvalidContext(str(exc).splitlines()[0]) from exc
        except (ValueError, TypeError, AttributeError) as exc:  # pyld's own, e.g. a relative URL
            raise InvalidContext(f"{type(exc).__name__}: {exc}") from exc
