"""Telling loopback hosts apart."""

from __future__ import annotations

from conform.loopback import is_loopback


def test_loopback_hosts_are_told_apart_without_dns():
    """The reference notifier and the receiver check rely on this (no DNS lookup is made)."""
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.8.0.1") and is_loopback("[::1]")
    assert not is_loopback("192.0.2.1") and not is_loopback("example.invalid")
    assert not is_loopback(None) and not is_loopback("")
