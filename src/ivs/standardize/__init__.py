"""Names and addresses to canonical forms, deficiency classes and blocking keys."""

from ivs.standardize.address import (
    ADDRESS_INPUT_COLUMNS,
    ADDRESS_OUTPUT_SCHEMA,
    standardize_address,
    standardize_addresses,
)
from ivs.standardize.name import NAME_SCHEMA, standardize_name, standardize_names
from ivs.standardize.name_compare import NameComparison, compare_names
from ivs.standardize.tables import load_tables

__all__ = [
    "ADDRESS_INPUT_COLUMNS",
    "ADDRESS_OUTPUT_SCHEMA",
    "NAME_SCHEMA",
    "NameComparison",
    "compare_names",
    "load_tables",
    "standardize_address",
    "standardize_addresses",
    "standardize_name",
    "standardize_names",
]
