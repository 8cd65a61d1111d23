"""A court hold's scope, and the one test of what it covers.

A scope is ``all``, ``agency:CODE`` (the requesting agency), ``batch:ID`` or ``state:ST`` (a
request or a last known address in that state). The disclosure check (``disclose/holds.py``)
and the oversight reports (``report/``) both ask :meth:`HoldScope.covers`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from ivs.domain.errors import ConfigError

__all__ = ["HoldScope", "parse_scope"]

_SCOPE = re.compile(r"(all)|(agency|batch|state):(\S.*)")


@dataclass(frozen=True, slots=True)
class HoldScope:
    kind: str  # all | agency | batch | state
    value: str | None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"

    def covers_batch(self, *, agency: str, batch_id: str) -> bool:
        """Whether the hold covers every record of the batch ``batch_id`` from ``agency``."""
        return (
            self.kind == "all"
            or (self.kind == "agency" and self.value == agency)
            or (self.kind == "batch" and self.value == batch_id)
        )

    def covers(self, *, agency: str, batch_id: str, states: Collection[str]) -> bool:
        """Whether the hold covers some record of the batch, whose requests or disclosed
        addresses are in ``states``."""
        return self.covers_batch(agency=agency, batch_id=batch_id) or (
            self.kind == "state" and self.value in states
        )


def parse_scope(text: str) -> HoldScope:
    """``all``, ``agency:CODE``, ``batch:ID`` or ``state:ST``."""
    found = _SCOPE.fullmatch(text.strip())
    if found is None:
        raise ConfigError(f"hold scope {text!r} is not one of all, agency:CODE, batch:ID, state:ST")
    if found.group(1):
        return HoldScope("all", None)
    kind, value = found.group(2), found.group(3).strip()
    if kind == "state":
        value = value.upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ConfigError(f"hold scope state:{value} needs a two-letter USPS state code")
    return HoldScope(kind, value)
