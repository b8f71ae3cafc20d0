"""What suites import: assertion helpers and the notification receiver (fixtures live in plugin)."""

from __future__ import annotations

from conform.suite.expect import (
    expect_header,
    expect_json_equal,
    expect_media_type,
    expect_problem,
    expect_status,
)
from conform.suite.precondition import Precondition, requires
from conform.suite.receiver import NotificationReceiver

__all__ = [
    "NotificationReceiver",
    "Precondition",
    "expect_header",
    "expect_json_equal",
    "expect_media_type",
    "expect_problem",
    "expect_status",
    "requires",
]
