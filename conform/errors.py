"""One error hierarchy for everything a user can cause, and the named exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; scripts and CI depend on these values."""

    OK = 0  # certified / conditional / command succeeded
    FAILED = 1  # not certified / lint errors / invalid data
    USAGE = 2  # bad flags, unreadable input, bad bundle or config
    INCOMPLETE = 3  # could not test
    INTERRUPTED = 130


class ConformError(Exception):
    """An expected error: the CLI prints its message on one line and exits 2."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(ConformError):
    """Conflicting or invalid command-line options."""


class BundleError(ConformError):
    """A spec bundle cannot be found, read or trusted."""


class DataError(ConformError):
    """A data file or schema folder cannot be read."""


class ConfigError(ConformError):
    """A system file, waiver file or key file is missing or invalid."""


class TargetError(ConformError):
    """The system under test cannot be reached or answered unusably."""

    exit_code = ExitCode.INCOMPLETE
