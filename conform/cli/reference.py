"""CLI commands: `conform reference serve` runs the in-memory reference city-OS server."""

from __future__ import annotations

import os
import threading

import typer

from conform.bundle import DEFAULT_BUNDLE, load_bundle
from conform.errors import UsageError
from conform.profiles import profile_for

reference_app = typer.Typer(
    name="reference",
    help="The in-memory reference city-OS server (a conformant NGSI-LD or NGSI v2 target).",
    no_args_is_help=True,
)


@reference_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(1026, "--port", help="Port to listen on (0: any free port)."),
    bundle: str = typer.Option(
        DEFAULT_BUNDLE, "--bundle", help="Bundle to serve: id, id@version or folder."
    ),
    token_env: str | None = typer.Option(
        None,
        "--token-env",
        help="Require `Authorization: Bearer <token>` on every API request, the token read "
        "from this environment variable (NGSI-LD server only).",
    ),
) -> None:
    """Serve the reference server for a bundle (its OpenAPI, models and defaults) until Ctrl-C."""
    from conform.reference.choose import for_bundle  # pyld loads requests: only when serving
    from conform.reference.server import ReferenceServer

    loaded = load_bundle(bundle)
    token = None
    if token_env is not None:
        token = os.environ.get(token_env)
        if not token:
            raise UsageError(f"--token-env: environment variable {token_env} is not set or empty")
    unstarted = for_bundle(loaded, host=host, port=port)
    if token is not None:
        if not isinstance(unstarted, ReferenceServer):
            raise UsageError(f"--token-env: the {loaded.profile} reference server has no auth mode")
        unstarted.token = token
    server = unstarted.start()
    try:  # the URL is printed inside, so a Ctrl-C right after it still stops the server
        root = profile_for(loaded).api_root
        typer.echo(
            f"conform reference server for {loaded.ref} at {server.url} (API under {root}); "
            f"certify it with: conform run --url {server.url}"
            + ("" if loaded.id == DEFAULT_BUNDLE else f" --bundle {loaded.ref}")
        )
        threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        pass  # Ctrl-C is how this command is meant to end: exit 0, quietly
    finally:
        server.stop()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(reference_app)
