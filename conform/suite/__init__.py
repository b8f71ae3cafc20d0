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
from conform.suite.receiver import NOTIFICATION_WAIT, NotificationReceiver, quiet_period

__all__ = [
    "NOTIFICATION_WAIT",
    "NotificationReceiver",
    "Precondition",
    "expect_header",
    "expect_json_equal",
    "expect_media_type",
    "expect_problem",
    "expect_status",
    "quiet_period",
    "requires",
]
