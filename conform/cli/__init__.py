"""The `conform` command line: thin Typer commands over the core.

Each sub-module registers its commands on the one app. Commands parse options into a config,
call one core function and turn the result into an exit code; expected errors are
`ConformError`s, printed here as one `error: ...` line.
"""

from __future__ import annotations

import sys

import typer
from typer._click.exceptions import ClickException  # typer 0.29 vendors click

from conform import __version__
from conform.cli import data, init_cmd, keys, reference, report, run, spec
from conform.errors import ConformError, ExitCode

app = typer.Typer(
    name="conform",
    help=(
        "Certify a city-OS (ETSI NGSI-LD) endpoint against a published spec bundle.\n\n"
        "conform loads a spec bundle (OpenAPI, JSON Schemas and normative requirements), runs "
        "behavioural, property-based and data-model suites against a live HTTP endpoint, and "
        "writes a fail-closed certification report.\n\n"
        "Exit codes: 0 certified or conditional (or command succeeded), 1 not certified "
        "(or errors found), 2 usage or input error, 3 incomplete (could not test), "
        "130 interrupted."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"conform {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Certify a city-OS endpoint against a published spec bundle."""


for _module in (init_cmd, spec, data, reference, run, report, keys):
    _module.register(app)


def main() -> None:
    """Entry point: run the app, turning expected errors into one line and an exit code."""
    try:
        code = app(standalone_mode=False)
    except ConformError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except ClickException as exc:  # bad flags: click's own one-line usage message
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    sys.exit(int(code or 0))
