"""Pilot staging: which jurisdictions the program is enabled in, and from when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["PilotChange", "PilotJurisdiction", "pilot_in_force"]


@dataclass(frozen=True, slots=True)
class PilotChange:
    """One recorded edit of the pilot: enable or disable a state (or one ZIP3 of it)."""

    action: str  # "enable" | "disable"
    state: str
    zip3: str | None
    effective: date


@dataclass(frozen=True, slots=True)
class PilotJurisdiction:
    """A state, or a ZIP3 prefix within it, enabled from ``since``."""

    state: str
    zip3: str | None
    since: date


def pilot_in_force(changes: list[PilotChange], day: date) -> list[PilotJurisdiction] | None:
    """The jurisdictions enabled on ``day``, replaying changes in order of record.

    ``None`` means no pilot was ever configured, so every jurisdiction is enabled; an empty
    list means a pilot exists and nothing is enabled on that day.
    """
    if not changes:
        return None
    enabled: dict[tuple[str, str | None], date] = {}
    for change in changes:
        if change.effective > day:
            continue
        key = (change.state, change.zip3)
        if change.action == "enable":
            enabled.setdefault(key, change.effective)
        else:
            enabled.pop(key, None)
            if change.zip3 is None:
                # Disabling a state disables every ZIP3 of it too.
                for other in [k for k in enabled if k[0] == change.state]:
                    enabled.pop(other)
    return [PilotJurisdiction(s, z, since) for (s, z), since in sorted(enabled.items(), key=str)]
