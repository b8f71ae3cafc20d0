"""The run context suites see through fixtures: client, namespace, target, bundle, evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from conform.errors import TargetError
from conform.loopback import is_loopback
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
        """A notification receiver on the target's callback host (loopback by default).

        A remote target cannot reach a receiver on loopback: its notifications would never
        arrive and a conformant system would fail. That is "could not test" (error), not failed.
        """
        host = self.target.callback_host or "127.0.0.1"
        target_host = urlsplit(self.target.url).hostname
        if is_loopback(host) and not is_loopback(target_host):
            raise TargetError(
                f"the notification receiver listens on {host}, which the target at "
                f"{target_host} cannot reach; set --callback-host (or callback_host in the "
                "system file) to an address of this machine the target can reach"
            )
        return NotificationReceiver(host)


# where `conform run` hands its context to the suite's fixtures (pytest's config stash)
CONTEXT = pytest.StashKey[SuiteContext]()
