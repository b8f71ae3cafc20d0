"""Open what a run talks through: the target's configuration, the recording client, the context."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from conform.bundle import Bundle, load_bundle
from conform.bundle.model import TARGET_FACTS
from conform.errors import UsageError
from conform.evidence import EvidenceLog
from conform.namespace import Namespace, random_seed
from conform.profiles import profile_for
from conform.ratelimit import Limiter
from conform.suite.context import SuiteContext
from conform.target import TargetConfig, client_for, load_system, reference_target, target_facts


def _name_from_url(url: str) -> str:
    """A file-name-safe system name for a bare --url (host and port)."""
    parts = urlsplit(url)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", parts.netloc.rsplit("@", 1)[-1]).strip("-") or "target"


def check_classes(bundle: Bundle, names: Iterable[str], source: str) -> tuple[str, ...]:
    """The declared class names, all known to BUNDLE; UsageError names SOURCE and the valid ones."""
    known = {c.id for c in bundle.classes}
    optional = [c.id for c in bundle.classes if not c.mandatory]
    for name in names:
        if name not in known:
            raise UsageError(
                f"{source}: unknown conformance class {name!r}; "
                f"optional classes of {bundle.id}@{bundle.version}: {', '.join(optional)}"
            )
    return tuple(c for c in optional if c in set(names))


def check_models(bundle: Bundle, names: Iterable[str], source: str) -> tuple[str, ...]:
    """The declared data models, all published by BUNDLE; UsageError names SOURCE and the models.

    An unknown name would otherwise be read and validated against nothing: a pass proving nothing.
    """
    published = bundle.model_paths()
    for name in names:
        if name not in published:
            raise UsageError(
                f"{source}: data_models: unknown model {name!r}; "
                f"models of {bundle.id}@{bundle.version}: {', '.join(sorted(published))}"
            )
    return tuple(names)


def resolve_target(
    bundle: Bundle,
    *,
    url: str | None,
    system: Path | None,
    classes: tuple[str, ...] = (),
    callback_host: str | None = None,
    ca_bundle: Path | None = None,
) -> TargetConfig:
    """The target from a system file and/or --url, with --class added (not the reference server)."""
    if system is not None:
        target = load_system(system, profile_for(bundle))
        check_classes(bundle, target.classes, str(system))
        check_models(bundle, target.data_models, str(system))
        if url is not None:
            target = dataclasses.replace(target, url=url)
    else:
        assert url is not None, "resolve_target needs a URL or a system file"
        target = TargetConfig(name=_name_from_url(url), url=url.rstrip("/"))
    target = dataclasses.replace(
        target,
        classes=check_classes(bundle, (*target.classes, *classes), "--class"),
        callback_host=callback_host or target.callback_host,
        ca_bundle=str(ca_bundle) if ca_bundle else target.ca_bundle,
    )
    check_needs(bundle, target)
    return target


def check_needs(bundle: Bundle, target: TargetConfig) -> None:
    """UsageError when a declared class `needs` a fact the target lacks: such a class cannot be
    tested, and a skip would read as if it had been."""
    facts = target_facts(target)
    for cls in bundle.classes:
        if cls.id in target.classes and cls.needs is not None and cls.needs not in facts:
            raise UsageError(f"class {cls.id} cannot be tested: {TARGET_FACTS[cls.needs]}")


def reference_config(
    bundle: Bundle,
    url: str,
    callback_host: str | None,
    tenant: str | None = None,
    tenants: tuple[str, ...] = (),
) -> TargetConfig:
    """The in-process reference server: every optional class declared, every bundle model served,
    the TENANT it isolates (if any) and the TENANTS a run may write into."""
    target = reference_target(url)
    return dataclasses.replace(
        target,
        classes=tuple(c.id for c in bundle.optional_classes),
        data_models=tuple(bundle.model_paths()),
        callback_host=callback_host or target.callback_host,
        tenant=tenant,
        tenants=tenants,
    )


@contextlib.contextmanager
def open_session(
    bundle: Bundle,
    target: TargetConfig,
    *,
    run_id: str,
    seed: int,
    timeout: float = 10.0,
    max_body: int = 10 * 1024 * 1024,
    limiter: Limiter | None = None,
) -> Iterator[SuiteContext]:
    """A context with a recording client for TARGET; the client is closed on exit (no cleanup)."""
    evidence = EvidenceLog()  # the auth binds to it and registers its own secrets
    profile = profile_for(bundle)
    namespace = Namespace.new(run_id, profile.id_form)
    client = client_for(
        target, evidence=evidence, namespace=namespace, profile=profile, timeout=timeout,
        max_body=max_body, limiter=limiter,
    )  # fmt: skip
    try:
        yield SuiteContext(bundle, target, client, namespace, evidence, seed)
    finally:
        client.close()


@contextlib.contextmanager
def standalone_context(
    *, url: str | None, system: str | None, bundle: str, classes: tuple[str, ...]
) -> Iterator[SuiteContext]:
    """The context for plain `pytest suites/...`: the reference server unless a target is given."""
    from conform.reference.choose import for_bundle

    loaded = load_bundle(bundle)
    with contextlib.ExitStack() as stack:
        if url is None and system is None:
            server = stack.enter_context(for_bundle(loaded))
            target = reference_config(loaded, server.url, None, server.tenant, server.tenants)
        else:
            target = resolve_target(
                loaded, url=url, system=Path(system) if system else None, classes=classes
            )
        ns_id = Namespace.new().run_id
        ctx = stack.enter_context(open_session(loaded, target, run_id=ns_id, seed=random_seed()))
        try:
            yield ctx
        finally:
            ctx.client.cleanup()
