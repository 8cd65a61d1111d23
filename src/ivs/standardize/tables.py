"""The lookup tables of standardization, built before the first value needs them."""

from __future__ import annotations

from ivs.standardize.address import load_address_tables
from ivs.standardize.nickname import nickname_table, transliteration_table

__all__ = ["load_tables"]


def load_tables() -> None:
    """Build the ZIP, facility, nickname and transliteration tables (each once per process).

    Standardization builds them on first use anyway; a caller with other work to do first
    (reading a file) can build them meanwhile, in a thread, since that work releases the GIL.
    """
    load_address_tables()
    nickname_table()
    transliteration_table()
