"""CLI command `conform run`: certify an endpoint (or the reference server) against a bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from conform.cli.progress import make_progress
from conform.errors import UsageError
from conform.i18n import normalise_lang
from conform.reporters import DEFAULT_FORMATS, FORMAT_NAMES, parse_formats
from conform.runner import RunConfig
from conform.runner.config import (
    DEFAULT_JOBS,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_EXAMPLES,
    random_seed,
    system_bundle,
    system_lang,
)
from conform.runner.preflight import local_system, split_list
from conform.signing import PASSPHRASE_ENV

_Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Target server root (the API root …/ngsi-ld/v1 is accepted); overrides --system's.",
    ),
]
_Bundle = Annotated[
    str | None,
    typer.Option(
        "--bundle",
        help="Bundle as ID, ID@VERSION or a folder (default: the system file's bundle, "
        "else city-os, newest version).",
    ),
]
_System = Annotated[
    Path | None,
    typer.Option(
        "--system", help="system.yaml describing the target (default: ./system.yaml if present)."
    ),
]
_Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only the verdict and the report folder.")
]
_Verbose = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="One line per test (no bar), and at the end every failed, blocked and errored "
        "requirement.",
    ),
]
_Force = Annotated[
    bool, typer.Option("--force", help="Overwrite a report already in the --out folder.")
]
_Class = Annotated[
    list[str] | None,
    typer.Option("--class", help="Declare optional classes (repeatable or comma-separated)."),
]
_Only = Annotated[
    list[str] | None,
    typer.Option("--only", help="Run only these requirement ids (repeatable or comma-separated)."),
]
_Seed = Annotated[
    int | None, typer.Option("--seed", help="Seed for generated data (default: random).")
]
_ReadOnly = Annotated[
    bool,
    typer.Option("--read-only", help="Send no writes; the others are skipped (never CERTIFIED)."),
]
_Timeout = Annotated[float, typer.Option("--request-timeout", help="Seconds per HTTP request.")]
_Out = Annotated[
    Path | None,
    typer.Option("--out", help="Folder for the run's files (default: reports/<system>-<time>/)."),
]
_MaxBody = Annotated[int, typer.Option("--max-body", help="Largest response body read, bytes.")]
_CaBundle = Annotated[
    Path | None, typer.Option("--ca-bundle", help="CA certificates (PEM) for https targets.")
]
_Callback = Annotated[
    str | None,
    typer.Option("--callback-host", help="Address the notification receiver listens on."),
]
_Lang = Annotated[
    str | None,
    typer.Option(
        "--lang",
        callback=normalise_lang,
        help="en or ja (default: the system file's lang, else en).",
    ),
]
_Suite = Annotated[
    Path | None,
    typer.Option("--suite", help="Suite folder (default: the packaged suite for the bundle id)."),
]
_SignKey = Annotated[
    Path | None,
    typer.Option(
        "--sign-key", help=f"Sign the report with this private key (passphrase: ${PASSPHRASE_ENV})."
    ),
]
_Waivers = Annotated[
    Path | None, typer.Option("--waivers", help="YAML list of approved waivers to apply.")
]
_Baseline = Annotated[
    Path | None,
    typer.Option("--baseline", help="An earlier report to compare with: regressions are listed."),
]
_FailOnRegression = Annotated[
    bool,
    typer.Option(
        "--fail-on-regression",
        help="Exit 1 only if something that passed in --baseline no longer passes (else 0; "
        "incomplete still 3).",
    ),
]

_MaxExamples = Annotated[
    int,
    typer.Option(
        "--max-examples",
        help="Property-based phase: generated requests per operation and mode (valid, invalid).",
    ),
]
_Workers = Annotated[
    int,
    typer.Option("--workers", help="Property-based phase: processes drawing its requests."),
]
_Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        help="Suite tests run at once (those marked serial run alone); the property-based "
        f"phase's requests are sent beside them [default: {DEFAULT_JOBS} for a remote target, "
        "1 on loopback and for the reference server].",
    ),
]
_MaxConcurrent = Annotated[
    int | None,
    typer.Option(
        "--max-concurrent", help="At most this many requests in flight at once [default: --jobs]."
    ),
]
_RateLimit = Annotated[
    float | None,
    typer.Option("--rate-limit", help="At most this many requests started per second."),
]
_Format = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        help=f"Report format to write besides report.json (repeatable; default html, junit, md): "
        f"{'|'.join(FORMAT_NAMES)}.",
    ),
]


def run(
    url: _Url = None,
    bundle: _Bundle = None,
    system: _System = None,
    classes: _Class = None,
    only: _Only = None,
    seed: _Seed = None,
    read_only: _ReadOnly = False,
    request_timeout: _Timeout = 10.0,
    out: _Out = None,
    max_body: _MaxBody = DEFAULT_MAX_BODY,
    ca_bundle: _CaBundle = None,
    callback_host: _Callback = None,
    lang: _Lang = None,
    suite: _Suite = None,
    sign_key: _SignKey = None,
    waivers: _Waivers = None,
    baseline: _Baseline = None,
    fail_on_regression: _FailOnRegression = False,
    max_examples: _MaxExamples = DEFAULT_MAX_EXAMPLES,
    workers: _Workers = 2,
    jobs: _Jobs = None,
    max_concurrent: _MaxConcurrent = None,
    rate_limit: _RateLimit = None,
    force: _Force = False,
    quiet: _Quiet = False,
    verbose: _Verbose = False,
    formats: _Format = None,
) -> None:
    """Certify a city-OS endpoint (else ./system.yaml's, else the built-in reference server).

    Exit codes: 0 certified or conditional, 1 not certified, 2 usage error, 3 incomplete,
    130 interrupted. A report is written in every case but 2. With --fail-on-regression,
    1 means a regression against --baseline and 0 none, whatever the verdict (3 and 130 stay).
    """
    system = local_system(url, system)
    config = RunConfig(
        url=url, bundle=bundle or system_bundle(system), system=system, classes=split_list(classes),
        only=split_list(only), seed=random_seed() if seed is None else seed,
        read_only=read_only, request_timeout=request_timeout, out=out, max_body=max_body,
        ca_bundle=ca_bundle, callback_host=callback_host, lang=lang or system_lang(system),
        suite_dir=suite, sign_key=sign_key, waivers=waivers, baseline=baseline,
        fail_on_regression=fail_on_regression, max_examples=max_examples, workers=workers,
        jobs=jobs, max_concurrent=max_concurrent, rate_limit=rate_limit, force=force,
        formats=parse_formats(formats) if formats else DEFAULT_FORMATS,
    )  # fmt: skip
    if quiet and verbose:
        raise UsageError("--quiet and --verbose: choose one")
    from conform.runner import run_certification  # the run's heavy imports, only for a run

    progress = make_progress(config.lang, quiet=quiet, verbose=verbose)
    try:
        outcome = run_certification(config, progress)
    finally:
        close = getattr(progress, "close", None)
        if close is not None:
            close()
    raise typer.Exit(int(outcome.exit_code))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("run")(run)
