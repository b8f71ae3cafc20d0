"""The run context suites see through fixtures: client, namespace, target, bundle, evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from conform.suite.receiver import NotificationReceiver

if TYPE_CHECKING:
    from conform.bundle import Bundle
    from conform.evidence import EvidenceLog
    from conform.http import Client
    from conform.namespace import Namespace
    from conform.target import TargetConfig


@dataclass(frozen=True)
class SuiteContext:
    """Everything one run shares between its tests (built by the runner or the plugin)."""

    bundle: Bundle
    target: TargetConfig
    client: Client
    namespace: Namespace
    evidence: EvidenceLog
    seed: int

    def new_receiver(self) -> NotificationReceiver:
        """A notification receiver on the target's callback host (loopback by default)."""
        return NotificationReceiver(self.target.callback_host or "127.0.0.1")
