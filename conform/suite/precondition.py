"""Preconditions: a test that needs another requirement's behaviour says which one it needs.

A test judges only its own requirement. When a step it depends on (create an entity, read it
back, provoke an error) does not work, the test cannot judge anything: it raises
`Precondition(REQ, detail)`. The run reports it `blocked by REQ` when REQ failed in the same
run, and `error` otherwise (nothing explains it: fail closed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Precondition(Exception):
    """The step a test needed, verified by REQUIREMENT, did not work (DETAIL says how)."""

    def __init__(self, requirement: str, detail: str) -> None:
        super().__init__(f"precondition {requirement} not met: {detail}")
        self.requirement = requirement
        self.detail = detail


@contextmanager
def requires(requirement: str) -> Iterator[None]:
    """Inside the block, a failed expectation means REQUIREMENT's behaviour is missing."""
    try:
        yield
    except AssertionError as exc:
        text = str(exc).strip().splitlines()
        raise Precondition(requirement, text[0] if text else "expectation not met") from None
