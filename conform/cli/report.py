"""CLI commands: `conform report show|verify|diff` over saved reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from conform.diff import diff_reports, format_diff
from conform.errors import ExitCode, UsageError
from conform.i18n import LANGS
from conform.report import load_report
from conform.reporters import FORMAT_NAMES, parse_formats
from conform.reporters.terminal import print_report
from conform.results import exit_code_for
from conform.runner.output import export_report
from conform.signing import verify_report

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
        str | None, typer.Option("--lang", help="en or ja (default: the report's).")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="List every failed, blocked and errored requirement.")
    ] = False,
) -> None:
    """Show a saved report: verdict, counts per class, failures. Exits as the run did (0/1/3)."""
    if lang is not None and lang not in LANGS:
        raise UsageError(f"--lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    loaded = load_report(report)
    print_report(loaded, Console(), lang or loaded.lang, verbose=verbose)
    raise typer.Exit(int(exit_code_for(loaded.verdict)))  # exits the way its run did


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
) -> None:
    """Check signature, evidence hash and bundle hash; exit 1 naming any check that failed."""
    result = verify_report(report, public_key=public_key, bundle=bundle)
    for check in result.checks:
        typer.echo(f"{check.name}: {check.status.value} — {check.detail}")
    typer.echo("report verified" if result.ok else "report NOT verified")
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
) -> None:
    """List requirements that newly fail, newly pass or changed status, and bundle changes."""
    for line in format_diff(diff_reports(load_report(old), load_report(new))):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(report_app)
