"""`python -m conform`: the same entry point as the `conform` console script."""

from __future__ import annotations

from conform.cli import main

main()
