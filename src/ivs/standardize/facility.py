"""Custody facilities: name patterns and the shipped facility lists (HIFLD prisons, ICE).

The lists (``data/facilities.csv``, see ``data/SOURCES.md``) give facility names and street
addresses. A request address is recognised as a facility's by a name pattern, by a facility
name from the lists, or by its standardized delivery line equalling a listed facility's (with
the same ZIP, or the same city and state). The lists are incomplete snapshots, so the patterns
matter as much as the lists.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

__all__ = ["FACILITY_NAME_PATTERN", "FacilityRow", "facility_names", "facility_rows"]

# Matched against the cleaned delivery line (upper case, single spaces). Each alternative is a
# phrase that names a place of custody, never an ordinary street word ("JAIL" alone is enough;
# "CORRECTIONAL" too; "CENTER" is not).
FACILITY_NAME_PATTERN = (
    r"(?:^| )(?:"
    r"JAIL|JAILS|CITY JAIL|COUNTY JAIL|CO JAIL|PRISON|STATE PRISON|PENITENTIARY|"
    r"CORRECTIONAL|CORRECTIONS|CORRECTION CENTER|CORRECTION FACILITY|CORR CTR|CORR INST|"
    r"CORR FAC|CORR FACILITY|CORRECTIONAL INSTITUTION|DETENTION|DET CTR|DET CENTER|"
    r"DETENTION CENTER|DETENTION CTR|DETENTION FACILITY|PROCESSING CENTER|PROCESSING CTR|"
    r"SERVICE PROCESSING|ICE CUSTODY|ICE DETENTION|ICE FACILITY|ICE PROCESSING|"
    r"IMMIGRATION DETENTION|IMMIGRATION CUSTODY|IN ICE CUSTODY|FEDERAL DETENTION|"
    r"FEDERAL CORRECTIONAL|FCI|USP|FDC|MDC|FEDERAL MEDICAL CENTER|RESIDENTIAL CENTER|"
    r"FAMILY RESIDENTIAL|STAGING FACILITY|HOLD ROOM|INMATE|INMATES|SHERIFFS OFFICE|"
    r"SHERIFF OFFICE|STOCKADE|REFORMATORY|WORK RELEASE|LOCKUP|CONTRACT DETENTION|"
    r"C/O [A-Z0-9 ]*(?:JAIL|SHERIFF|WARDEN|DETENTION|CORRECTIONAL|ADMINISTRATOR)"
    r")(?: |$)"
)


class FacilityRow(tuple[str, str, str, str, str, str]):
    """One facility: (source, name, address, city, state, zip), as shipped."""

    __slots__ = ()


@functools.cache
def facility_rows() -> tuple[FacilityRow, ...]:
    """All facility rows from the package data, read once."""
    text = resources.files("ivs.standardize").joinpath("data/facilities.csv").read_text("utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    return tuple(FacilityRow(tuple(row)) for row in reader if len(row) == 6)


@functools.cache
def facility_names() -> frozenset[str]:
    """Facility names with everything but letters and digits removed ("KARNESCOUNTY...")."""
    names = set()
    for row in facility_rows():
        key = "".join(ch for ch in row[1].upper() if ch.isalnum() and ch.isascii())
        # Very short names ("USP") are in the pattern already; as list entries they would
        # also catch unrelated text.
        if len(key) >= 8:
            names.add(key)
    return frozenset(names)
