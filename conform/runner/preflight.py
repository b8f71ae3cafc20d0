"""Pre-flight: what a run can check before its first request; each failure is one line, exit 2."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from conform.bundle import Bundle
from conform.errors import BundleError, UsageError

if TYPE_CHECKING:  # not at run time: `conform --help` must not load requests (auth needs it)
    from conform.target import TargetConfig

# Files a run writes into its folder: one of them there means a report would be overwritten.
REPORT_FILES = ("report.json", "evidence.jsonl", "report.html", "junit.xml", "summary.md")


def strip_api_root(target: TargetConfig, api_root: str) -> tuple[TargetConfig, str]:
    """TARGET with API_ROOT cut off the end of its URL, and a note saying so ('' if none was).

    A target URL is the server root; the API root is the URL `conform reference serve` and
    most vendors' documentation print, so it is accepted rather than tested as
    `/ngsi-ld/v1/ngsi-ld/v1/...` (every requirement failing for the wrong reason).
    """
    parts = urlsplit(target.url)
    path = parts.path.rstrip("/")
    root = "/" + api_root.strip("/")
    if not path.endswith(root):
        return target, ""
    url = urlunsplit(parts._replace(path=path[: -len(root)])).rstrip("/")
    note = f"note: {target.url} is the API root; testing the server root {url} (API under {root})"
    return dataclasses.replace(target, url=url), note


def check_bundle(bundle: Bundle) -> None:
    """The whole bundle parses and lints clean: a broken part must not cost a run's writes."""
    from conform.lint import Severity, lint_path  # pulls in schemathesis' OAS meta-schemas

    errors = [f for f in lint_path(bundle.path) if f.severity is Severity.ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more: conform spec lint {bundle.path})"
        raise BundleError(
            f"bundle {bundle.ref} is broken: {errors[0].file}:{errors[0].location}: "
            f"{errors[0].message}" + (more if errors[1:] else "")
        )


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_writable(path: Path, what: str) -> None:
    """PATH (a folder, made later if missing) can be written, else UsageError naming WHAT."""
    base = _nearest_existing(path.absolute())
    if not base.is_dir():
        raise UsageError(f"{what}: cannot write {path}: {base} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".conform-write-check-", dir=base)
    except OSError as exc:
        raise UsageError(f"{what}: cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def check_out_dir(out: Path, *, flag: str = "--out", force: bool = False) -> None:
    """OUT is writable and holds no earlier report, unless FORCE."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{flag}: {out} exists and is not a folder")
    held = [name for name in REPORT_FILES if (out / name).exists()]
    if held and not force:
        raise UsageError(
            f"{flag}: {out} already holds a report ({held[0]}); choose a new folder "
            "or add --force to overwrite it"
        )
    check_writable(out, flag)


LOCAL_SYSTEM = Path("system.yaml")


def local_system(url: str | None, system: Path | None) -> Path | None:
    """--system, else ./system.yaml when neither it nor --url is given and the file exists."""
    if system is None and url is None and LOCAL_SYSTEM.is_file():
        return LOCAL_SYSTEM
    return system


def target_line(target: TargetConfig, source: Path | None, reference: bool) -> str:
    """Which system this run certifies, so no one mistakes the reference server for theirs."""
    if reference:
        return (
            f"target: the built-in reference server at {target.url} (a self-test of conform; "
            "certify your system with --url or --system)"
        )
    origin = f" (from {source})" if source is not None else ""
    from conform.transport import proxies_for  # loads requests: only once a run names its target

    proxy = next(iter(proxies_for(target.url, os.environ).values()), "")
    via = f" via proxy {urlsplit(proxy).hostname}:{urlsplit(proxy).port}" if proxy else ""
    return f"target: {target.name} at {target.url}{via}{origin}"


def split_list(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable option values, each possibly comma-separated, as one tuple without blanks."""
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())
