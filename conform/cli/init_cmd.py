"""CLI command: `conform init` writes a commented system.yaml to fill in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from conform.errors import UsageError
from conform.files import write_atomic
from conform.runner.preflight import check_writable

SYSTEM_TEMPLATE = """\
# conform system file: the system under test. Fill in `url`, then run
#   conform run --system system.yaml
# Secrets never go in this file: name an environment variable (*_env) or a file (*_file).

name: my-system                 # letters, digits, '.', '_', '-'; names the report folder
url: ""                         # REQUIRED: the server root, e.g. https://staging.example.city
                                # (the API is expected under /ngsi-ld/v1 below it;
                                # under /v2 for NGSI v2)
vendor: ""
product_version: ""
lang: en                        # report language: en or ja
# bundle: city-os-v2            # the specification to certify against (default city-os,
                                # newest version; city-os-v2 for an NGSI v2 / FIWARE Orion
                                # city OS; ID@VERSION pins one; --bundle overrides it)

# Optional conformance classes the system declares (the mandatory ones always apply):
classes: []                     # e.g. [batch, subscriptions, discovery]; NGSI v2 also
                                # multi-tenancy (needs tenant:)
# Data models the system serves (names of the bundle's models/*.json):
data_models: []                 # e.g. [Streetlight, OffStreetParking]

# tenant: my-tenant             # sent as NGSILD-Tenant (NGSI v2: as Fiware-Service)
# tenants: [city-a, city-b]     # tenants the tenancy class may write into (it needs two)
# headers:                      # extra headers on every request (no credentials here)
#   X-Request-Source: conform
# ca_bundle: certs/ca.pem       # PEM file to trust for https (relative to this file)
# callback_host: 192.0.2.10     # address the system can reach for notifications

auth:
  kind: none                    # none | bearer | basic | api_key | oauth2
  # bearer:   token_env: CITY_OS_TOKEN            (or token_file: secrets/token)
  # basic:    username: conform
  #           password_env: CITY_OS_PASSWORD      (or password_file: ...)
  # api_key:  header: X-API-Key
  #           key_env: CITY_OS_API_KEY            (or key_file: ...)
  # oauth2:   token_url: https://id.example.city/oauth2/token
  #           client_id: conform
  #           client_secret_env: CITY_OS_CLIENT_SECRET   (or client_secret_file: ...)
  #           scope: ngsi-ld
"""


def write_template(path: Path, *, force: bool = False) -> None:
    """Write the system.yaml template to `path`; never overwrite unless `force`."""
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    check_writable(path.parent, "init")
    write_atomic(path, SYSTEM_TEMPLATE)


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the system file.")] = Path(
        "system.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented system.yaml template describing the system under test."""
    write_template(path, force=force)
    typer.echo(f"wrote {path}: fill in url (and auth), then: conform run --system {path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("init")(init)
