"""Protocol profiles: every fact of one protocol (NGSI-LD, ...) in one module, named by a bundle.

A bundle's `profile:` (default `ngsi-ld`) names the module `conform/profiles/<name>.py` (dashes
become underscores), which exposes one frozen `PROFILE`. The core reads protocol facts (API root,
tenant header, error body, id form, probe, safe-fuzzing rules, guard collections, default check
map) from that object only; no other module imports a profile module.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from conform.errors import BundleError

DEFAULT_PROFILE = "ngsi-ld"  # a bundle without `profile:` (city-os 1.0 predates the key)
# "<standard> <clause>": "RFC 9110 15.5.7", an annex "... A.2", or a one-number clause after a
# numbered standard, "RFC 7807 3". A bare "RFC 7807" has none.
NUMBERED_CLAUSE = r"^\S.* (?:[0-9A-Z]+(?:\.[0-9]+)+|[0-9]+ [0-9]+)$"
# Where the base standard is silent, a bundle's own policy: "<bundle id> policy <requirement id>"
# ("city-os policy SEC-003"), the requirement's statement being the policy.
POLICY_CLAUSE = r"^[a-z][a-z0-9-]* policy [A-Z]{2,5}-[0-9]{3}$"
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def _frozen(items: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(items))


@dataclass(frozen=True)
class Probe:
    """The one request that tells whether the endpoint answers HTTP at all (any status will do).

    `{model}` in a parameter value is replaced by a data model the target declares.
    """

    path: str
    params: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    default_model: str = "Thing"

    def request(self, models: tuple[str, ...]) -> tuple[str, dict[str, str]]:
        """(path, query parameters) of the probe for a target declaring MODELS."""
        model = models[0] if models else self.default_model
        return self.path, {k: v.replace("{model}", model) for k, v in self.params.items()}


@dataclass(frozen=True)
class Collections:
    """How API paths name resources, for the namespace guard and the cleanup.

    Paths are API-relative and split into segments; names are matched lowercased.
    """

    creating: frozenset[str]  # collections where POST /<collection> creates a resource
    batch: str  # the collection of batch operations (POST /<batch>/<op>)
    batch_target: str  # the collection batch operations create in and delete from
    batch_reads: frozenset[str]  # batch operations that only read
    batch_creates: frozenset[str]  # batch operations that create or replace
    batch_deletes: frozenset[str]  # batch operations whose body is a list of ids to delete
    scopes: frozenset[str]  # leading segments that scope a collection (e.g. temporal)
    cleanup_first: str  # resources of this collection are deleted first (they reference others)
    batch_member: str = (
        ""  # a batch body is an object listing its items in this member ("": a list)
    )
    # A regex finding every id a body can name, in any text (NGSI-LD: URIs). Empty: ids are
    # recognisable only where the documented shape puts them, so a write naming entities in its
    # body must have that shape, and a body that is not JSON must prove it names only owned ids.
    ids_in_text: str = ""
    # members of a batch item that select entities by pattern instead of naming them
    batch_selectors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Fuzzing:
    """What the property-based phase must rewrite so generated requests stay safe."""

    resource_parameters: Mapping[str, str]  # path parameter -> "entity" | "subscription"
    context_key: str  # a body member naming remote documents the target would fetch
    core_context: str  # what that member is rewritten to (a document every server caches)
    entities: str  # the collection path of entities ("/entities")
    subscriptions: str  # the collection path of subscriptions ("/subscriptions")
    batch_delete: str  # the path whose body is a list of entity ids to delete
    notification_uri: tuple[str, ...]  # where a subscription names its notification endpoint
    batch_member: str = ""  # batch_delete's body is an object listing entities in this member
    # request headers that choose where data lives (besides the tenant header, always fixed):
    # generated values would write outside the system's tenant or scope, so they are never sent
    scope_headers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Profile:
    """Every fact of one protocol the core needs; one frozen instance per profile module."""

    name: str
    api_name: str  # what users call the API, e.g. "NGSI-LD" ("no NGSI-LD API at this URL")
    api_root: str  # below the target's root URL, e.g. /ngsi-ld/v1
    tenant_header: str  # sent with system.yaml's `tenant:`
    error_media_type: str  # Content-Type of an error body
    error_type_prefix: str  # an error body's `type` is this prefix + the error name
    # a namespace id: `{type}`, and `{local}` (the run's marker and a counter) after the last ':'
    id_form: str
    probe: Probe
    collections: Collections
    fuzzing: Fuzzing
    default_checks: Mapping[str, str]  # schemathesis check -> requirement, when the bundle has none
    bodyless_errors: frozenset[str] = frozenset()  # error statuses sent without an error body
    # an error body's schema declares every one of these members and one of the others
    error_members: frozenset[str] = frozenset({"type"})
    error_detail_members: frozenset[str] = frozenset({"title", "detail", "status"})
    # how a requirement cites its clause (regexes; `spec lint` warns about any other form)
    clause_forms: tuple[str, ...] = (NUMBERED_CLAUSE,)
    clause_example: str = "RFC 9110 15.5.7"
    # the JSON-LD context a response names when the client sent none ("": not JSON-LD)
    core_context: str = ""

    def error_type(self, name: str) -> str:
        """The `type` member of the error body for error NAME."""
        return self.error_type_prefix + name


class _Named(Protocol):
    """What names a profile: a bundle (`conform.bundle.Bundle`)."""

    @property
    def profile(self) -> str: ...

    @property
    def checks(self) -> Mapping[str, str] | None: ...


def _module_name(name: str) -> str:
    return name.replace("-", "_")


def known_profiles() -> tuple[str, ...]:
    """Names of every profile module shipped in this package."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return tuple(sorted(n.replace("_", "-") for n in names))


def load_profile(name: str | None = None) -> Profile:
    """The profile named NAME (default: ngsi-ld); BundleError for an unknown name."""
    name = DEFAULT_PROFILE if name is None else name
    if not isinstance(name, str) or not _NAME.match(name) or name not in known_profiles():
        known = ", ".join(known_profiles())
        raise BundleError(f"unknown profile {name!r} (known profiles: {known})")
    module = importlib.import_module(f"{__name__}.{_module_name(name)}")
    profile = getattr(module, "PROFILE", None)
    if not isinstance(profile, Profile) or profile.name != name:
        raise BundleError(f"profile module {module.__name__} exposes no PROFILE named {name!r}")
    return profile


def default_profile() -> Profile:
    """The profile of a bundle that names none."""
    return load_profile(DEFAULT_PROFILE)


def profile_for(bundle: _Named) -> Profile:
    """The profile BUNDLE speaks."""
    return load_profile(bundle.profile)


def check_map(bundle: _Named) -> Mapping[str, str]:
    """The property-based phase's check -> requirement map: the bundle's, else its profile's."""
    if bundle.checks is not None:
        return bundle.checks
    return profile_for(bundle).default_checks


__all__ = [
    "DEFAULT_PROFILE",
    "NUMBERED_CLAUSE",
    "Collections",
    "Fuzzing",
    "Probe",
    "Profile",
    "check_map",
    "default_profile",
    "known_profiles",
    "load_profile",
    "profile_for",
]
