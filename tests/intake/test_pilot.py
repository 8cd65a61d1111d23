from __future__ import annotations

from datetime import date

from ivs.domain.pilot import PilotChange, PilotJurisdiction, pilot_in_force


def test_no_pilot_means_everywhere() -> None:
    assert pilot_in_force([], date(2025, 1, 1)) is None


def test_staged_expansion_and_disable() -> None:
    changes = [
        PilotChange("enable", "TX", "770", date(2025, 1, 1)),
        PilotChange("enable", "AZ", None, date(2025, 6, 1)),
        PilotChange("disable", "TX", None, date(2025, 9, 1)),
    ]
    assert pilot_in_force(changes, date(2024, 12, 31)) == []
    assert pilot_in_force(changes, date(2025, 2, 1)) == [
        PilotJurisdiction("TX", "770", date(2025, 1, 1))
    ]
    assert len(pilot_in_force(changes, date(2025, 7, 1)) or []) == 2
    assert pilot_in_force(changes, date(2025, 10, 1)) == [
        PilotJurisdiction("AZ", None, date(2025, 6, 1))
    ]
