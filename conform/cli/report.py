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
from conform.reporters._common import exchange_text
from conform.reporters.terminal import print_report
from conform.results import exit_code_for
from conform.runner.output import report_evidence
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
    evidence: Annotated[
        str | None,
        typer.Option("--evidence", help="Show one recorded exchange in full (e.g. x000085)."),
    ] = None,
) -> None:
    """Show a saved report: verdict, counts per class, failures. Exits as the run did (0/1/3)."""
    if lang is not None and lang not in LANGS:
        raise UsageError(f"--lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    loaded = load_report(report)
    exchanges = report_evidence(report, loaded)
    if evidence is not None:
        found = next((x for x in exchanges if x.get("id") == evidence), None)
        if found is None:
            raise UsageError(f"--evidence: {report} has no recorded exchange {evidence!r}")
        typer.echo(exchange_text(found, limit=None))
        return
    print_report(loaded, Console(), lang or loaded.lang, exchanges)
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
