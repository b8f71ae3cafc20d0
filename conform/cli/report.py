"""CLI commands: `conform report show|verify|diff` over saved reports."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from conform.diff import diff_reports, diff_to_dict, format_diff, regressions
from conform.errors import ExitCode, UsageError
from conform.i18n import normalise_lang
from conform.report import load_report
from conform.reporters import FORMAT_NAMES, parse_formats
from conform.reporters._common import exchange_text
from conform.reporters.terminal import print_report
from conform.results import exit_code_for
from conform.runner.output import export_report, report_evidence
from conform.signing import signature_state, verify_report
from conform.trust import trust_dir

report_app = typer.Typer(
    name="report",
    help="Show, verify and compare saved reports (report.json or the folder holding it).",
    no_args_is_help=True,
)

ReportPath = Annotated[Path, typer.Argument(help="report.json or the report folder holding it.")]


@report_app.command("show")
def show(
    report: ReportPath,
    lang: Annotated[
        str | None,
        typer.Option("--lang", callback=normalise_lang, help="en or ja (default: the report's)."),
    ] = None,
    evidence: Annotated[
        str | None,
        typer.Option("--evidence", help="Show one recorded exchange in full (e.g. x000085)."),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="List every failed, blocked and errored requirement."),
    ] = False,
) -> None:
    """Show a saved report: verdict, counts per class, failures. Exits as the run did (0/1/3)."""
    loaded = load_report(report)
    exchanges = report_evidence(report, loaded)
    file = report / "report.json" if report.is_dir() else report
    if evidence is not None:
        found = next((x for x in exchanges if x.id == evidence), None)
        if found is None:
            raise UsageError(f"--evidence: {report} has no recorded exchange {evidence!r}")
        typer.echo(exchange_text(found, limit=None))
        return
    typer.echo(signature_state(json.loads(file.read_text(encoding="utf-8")), trust_dir()))
    print_report(loaded, Console(), lang or loaded.lang, exchanges, verbose=verbose)
    raise typer.Exit(int(exit_code_for(loaded.verdict)))  # exits the way its run did


class OutputFormat(StrEnum):
    """How `verify` and `diff` print: lines for people, JSON for scripts."""

    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text (default) or json, for scripts.")
]


@report_app.command("verify")
def verify(
    report: ReportPath,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="The signer's public key (PEM); pins who signed."),
    ] = None,
    bundle: Annotated[
        str | None,
        typer.Option("--bundle", help="Bundle id@version or folder to check the hash against."),
    ] = None,
    integrity_only: Annotated[
        bool,
        typer.Option(
            "--integrity-only", help="Check the evidence and bundle hashes only, not who signed."
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Check signature, evidence hash and bundle hash; exit 1 naming any check that failed.

    The signature counts only with a pinned key: --public-key, or a key in the trust store
    ($CONFORM_TRUSTED_KEYS, else ~/.config/conform/trusted/*.pub).
    """
    result = verify_report(
        report, public_key=public_key, bundle=bundle, integrity_only=integrity_only
    )
    verdict = "report NOT verified"
    if result.ok:
        verdict = "integrity verified (signer not checked)" if integrity_only else "report verified"
    if fmt is OutputFormat.JSON:
        checks = [
            {"name": c.name, "status": c.status.value, "detail": c.detail} for c in result.checks
        ]
        doc = {"report": str(result.report), "ok": result.ok, "summary": verdict, "checks": checks}
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for check in result.checks:
            typer.echo(f"{check.name}: {check.status.value} — {check.detail}")
        typer.echo(verdict)
    raise typer.Exit(int(ExitCode.OK if result.ok else ExitCode.FAILED))


@report_app.command("export")
def export(
    run_dir: Annotated[Path, typer.Argument(help="The run's folder (or its report.json).")],
    formats: Annotated[
        list[str],
        typer.Option("--format", help=f"Format to write (repeatable): {'|'.join(FORMAT_NAMES)}."),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write to (default: the run's).")
    ] = None,
) -> None:
    """Render a finished run's report in more formats (EARL, JUnit, HTML, Markdown, JSON)."""
    for path in export_report(run_dir, parse_formats(formats), out):
        typer.echo(str(path))


@report_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier report (file or folder).")],
    new: Annotated[Path, typer.Argument(help="The later report (file or folder).")],
    fmt: FormatOption = OutputFormat.TEXT,
    fail_on_regression: Annotated[
        bool,
        typer.Option(
            "--fail-on-regression",
            help="Exit 1 if a requirement that passed in OLD does not in NEW.",
        ),
    ] = False,
) -> None:
    """List requirements that newly fail, newly pass or changed status, and bundle changes."""
    before, after = load_report(old), load_report(new)
    changes, regressed = diff_reports(before, after), regressions(before, after)
    if fmt is OutputFormat.JSON:
        doc = {**diff_to_dict(changes), "regressions": regressed}
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for line in format_diff(changes):
            typer.echo(line)
        if regressed:
            typer.echo(f"regressions ({len(regressed)}): {', '.join(regressed)}")
    if fail_on_regression and regressed:
        raise typer.Exit(int(ExitCode.FAILED))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(report_app)
