"""The frozen configuration of one `conform run`; invalid combinations are rejected here, once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from conform.errors import ConfigError, UsageError
from conform.loopback import is_loopback
from conform.namespace import random_seed
from conform.ratelimit import Limiter
from conform.reporters import DEFAULT_FORMATS, ReportFormat

DEFAULT_MAX_BODY = 10 * 1024 * 1024
DEFAULT_MAX_EXAMPLES = 3  # property-based cases per operation and mode; keeps the main job fast
# Tests at once against a remote target, whose round trips overlap (bench/bench_latency.py: at
# a 50 ms round trip, 4 keep 4 requests in flight through the whole main stage and take 1.5x the
# wall time of 8); --max-concurrent and --rate-limit spare a fragile system. On loopback (the
# reference server above all) there is no round trip to hide and the embedded server shares the
# GIL with the tests: one at a time unless --jobs says otherwise.
DEFAULT_JOBS = 8
LANGS = ("en", "ja")
_REQ_ID = re.compile(r"^[A-Z]{2,5}-[0-9]{3}$")


@dataclass(frozen=True)
class RunConfig:
    """What to certify and how: the parsed `conform run` options."""

    url: str | None = None
    bundle: str = "city-os"
    system: Path | None = None
    classes: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    seed: int = field(default_factory=random_seed)
    read_only: bool = False
    request_timeout: float = 10.0
    out: Path | None = None
    max_body: int = DEFAULT_MAX_BODY
    ca_bundle: Path | None = None
    callback_host: str | None = None
    lang: str = "en"
    suite_dir: Path | None = None  # default: the packaged suite named after the bundle id
    sign_key: Path | None = None  # passphrase from $CONFORM_KEY_PASSPHRASE
    waivers: Path | None = None
    baseline: Path | None = None  # an earlier report.json (or its folder) to compare with
    fail_on_regression: bool = False
    max_examples: int = DEFAULT_MAX_EXAMPLES
    workers: int = 2  # property-based phase: processes drawing its cases
    jobs: int | None = None  # suite tests run at once (serial ones alone); None: `for_target`
    max_concurrent: int | None = None  # requests in flight at once; None: as many as jobs
    rate_limit: float | None = None  # requests started per second; None: no limit
    force: bool = False  # --out may hold an earlier report: overwrite it
    formats: tuple[ReportFormat, ...] = DEFAULT_FORMATS  # report.json is always written

    def __post_init__(self) -> None:
        if self.url is not None:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise UsageError(f"--url: {self.url!r} is not an http(s) URL with a host")
        for req_id in self.only:
            if not _REQ_ID.match(req_id):
                raise UsageError(f"--only: {req_id!r} is not a requirement id like CORE-001")
        if self.seed < 0:
            raise UsageError(f"--seed: must be a non-negative integer, got {self.seed}")
        if not self.request_timeout > 0:
            raise UsageError(f"--request-timeout: must be positive, got {self.request_timeout}")
        if self.max_examples < 1:
            raise UsageError(f"--max-examples: must be at least 1, got {self.max_examples}")
        if self.workers < 1:
            raise UsageError(f"--workers: must be at least 1, got {self.workers}")
        if self.jobs is not None and self.jobs < 1:
            raise UsageError(f"--jobs: must be at least 1, got {self.jobs}")
        if self.max_concurrent is not None and self.max_concurrent < 1:
            raise UsageError(f"--max-concurrent: must be at least 1, got {self.max_concurrent}")
        if self.rate_limit is not None and not 0 < self.rate_limit < float("inf"):
            raise UsageError(f"--rate-limit: must be a positive number, got {self.rate_limit}")
        if self.max_body <= 0:
            raise UsageError(f"--max-body: must be a positive byte count, got {self.max_body}")
        if self.lang not in LANGS:
            raise UsageError(f"--lang: must be one of {', '.join(LANGS)}, got {self.lang!r}")
        if self.fail_on_regression and self.baseline is None:
            raise UsageError("--fail-on-regression: needs --baseline (the report to compare with)")
        files = (
            ("--system", self.system), ("--ca-bundle", self.ca_bundle),
            ("--sign-key", self.sign_key), ("--waivers", self.waivers),
        )  # fmt: skip
        for flag, path in files:
            if path is not None and not path.is_file():
                raise UsageError(f"{flag}: {path}: file not found")
        if self.baseline is not None and not self.baseline.exists():
            raise UsageError(f"--baseline: {self.baseline}: no such report file or folder")
        if self.suite_dir is not None and not self.suite_dir.is_dir():
            raise UsageError(f"--suite: {self.suite_dir}: not a folder")

    def for_target(self, url: str) -> RunConfig:
        """This configuration with --jobs decided for the target at URL when it was not given:
        DEFAULT_JOBS for a remote target, 1 on loopback."""
        if self.jobs is not None:
            return self
        return replace(self, jobs=1 if is_loopback(urlsplit(url).hostname) else DEFAULT_JOBS)

    @property
    def job_count(self) -> int:
        """Tests at once (1 until `for_target` decided an unset --jobs)."""
        return self.jobs or 1

    @property
    def concurrency(self) -> int:
        """Requests in flight at once: --max-concurrent, else --jobs."""
        return self.max_concurrent if self.max_concurrent is not None else self.job_count

    def limiter(self) -> Limiter:
        """What keeps the run within --max-concurrent and --rate-limit."""
        return Limiter(self.rate_limit, self.concurrency)

    @property
    def uses_reference(self) -> bool:
        """No URL and no system file: certify the in-process reference server."""
        return self.url is None and self.system is None


DEFAULT_BUNDLE = "city-os"


def system_bundle(system: Path | None) -> str:
    """The default --bundle: the system file's `bundle`, else city-os (its newest version).

    Read on its own, before the file is loaded for the bundle's protocol (which needs it).
    """
    if system is None or not system.is_file():
        return DEFAULT_BUNDLE  # a missing file is reported by RunConfig, naming the flag
    from conform.yamlfile import load_yaml_file

    data = load_yaml_file(system, "system file")
    value = data.get("bundle") if isinstance(data, dict) else None
    if value is None:
        return DEFAULT_BUNDLE
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{system}: bundle: expected a bundle as ID or ID@VERSION, e.g. city-os@1.1"
        )
    return value.strip()


def system_lang(system: Path | None) -> str:
    """The default --lang: the system file's `lang`, else English."""
    if system is None or not system.is_file():
        return "en"  # a missing file is reported by RunConfig, naming the flag
    from conform.target import load_system  # the HTTP client behind it: only when needed

    return load_system(system).lang
