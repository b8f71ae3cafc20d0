"""The run's id namespace: what a run creates, and every write it sends, stays inside it."""

from __future__ import annotations

import itertools
import random
import re
import secrets
import threading
from dataclasses import dataclass, field

from conform.errors import UsageError
from conform.profiles import default_profile

_RUN_ID = re.compile(r"^[a-z0-9]{4,32}$")
# An owned id may not re-target a request: no path, query or fragment separators, no percent
# (a server decoding twice), no whitespace or control characters.
_SAFE = re.compile(r"^[^/\\?#%\s\x00-\x1f\x7f]*$")


def random_seed() -> int:
    """A fresh seed for a run that was given none (recorded in the report to replay it)."""
    return random.SystemRandom().randrange(2**32)


class _Counter:
    """A thread-safe increasing counter (kept in a field so the dataclass stays frozen)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._it = itertools.count(1)

    def next(self) -> int:
        with self._lock:
            return next(self._it)


@dataclass(frozen=True)
class Namespace:
    """Ids in the profile's form with a `conform-<run_id>-<n>` marker, owned by one run.

    NGSI-LD: `urn:ngsi-ld:<Type>:conform-<run_id>-<n>`.
    """

    run_id: str
    id_form: str = field(default_factory=lambda: default_profile().id_form)
    _counter: _Counter = field(default_factory=_Counter, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _RUN_ID.match(self.run_id):
            raise UsageError(f"run id {self.run_id!r}: use 4-32 lowercase letters or digits")

    @classmethod
    def new(cls, run_id: str | None = None, id_form: str | None = None) -> Namespace:
        """A namespace for `run_id` (default: a fresh random 8-hex-digit run id).

        ID_FORM: the profile's id form, `{type}` and `{local}` (default: the default profile's).
        """
        run_id = run_id if run_id is not None else secrets.token_hex(4)
        return cls(run_id) if id_form is None else cls(run_id, id_form)

    @property
    def prefix(self) -> str:
        """The marker every owned id carries: `conform-<run_id>-`."""
        return f"conform-{self.run_id}-"

    def entity_id(self, type_: str) -> str:
        """A new entity id of `type_` inside the namespace."""
        local = f"{self.prefix}{self._counter.next()}"
        return self.id_form.replace("{type}", type_).replace("{local}", local)

    def subscription_id(self) -> str:
        """A new subscription id inside the namespace."""
        return self.entity_id("Subscription")

    def owns(self, id_: str) -> bool:
        """Whether `id_` belongs to this run (its last `:` segment starts with the prefix).

        A bare `conform-<run_id>-...` (no URN, used to test invalid ids) is owned too.
        """
        return self.marks(id_) and bool(_SAFE.match(id_))

    def marks(self, id_: str) -> bool:
        """Whether `id_` carries the run's marker (its last `:` segment starts with the prefix).

        Enough for an id a write body names: no vendor id carries the run's random marker, and a
        body id addresses no path. An id sent in a path must be `owns`-ed.
        """
        return isinstance(id_, str) and id_.rsplit(":", 1)[-1].startswith(self.prefix)
