"""`conform --help` and the help of every command load no run machinery (lazy imports)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pytest", "_pytest", "cryptography", "requests", "schemathesis", "hypothesis")
PROBE = """
import sys
sys.argv = ["conform", *sys.argv[1:]]
import conform.cli
try:
    conform.cli.main()
except SystemExit as exc:
    code = exc.code
print(code, " ".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["keys", "--help"], ["report", "--help"]]
)
def test_help_imports_no_run_machinery(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    code, _, loaded = done.stdout.strip().splitlines()[-1].partition(" ")
    assert (code, loaded) == ("0", ""), done.stderr[-500:]
    assert "Usage" in done.stdout
