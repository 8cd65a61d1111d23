"""Writes the tables ``ivs.standardize`` ships derived from other data, in its ``data/`` folder.

- ``zip_states.csv`` (each ZIP code with its state) and ``zip_cities.txt`` (every city name a
  ZIP code has, primary or acceptable, upper case, one a line), from the installed ``zipcodes``
  package. ``zipcodes`` answers only with a dict for each of its 42,000 ZIP codes, a second of
  work in every process that standardizes an address; these two columns are all intake uses.
- ``facility_keys.json``: the standardized keys of the listed custody facilities
  (``ivs.standardize.address.standardized_facility_keys``), which parse some 2,000 lines of
  ``facilities.csv`` on the slow path.

Run this after upgrading ``zipcodes``, editing ``facilities.csv`` or changing how addresses are
standardized: ``tests/standardize/test_shipped_tables.py`` fails until the files match.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import zipcodes

from ivs.standardize.address import standardized_facility_keys

DATA = Path(__file__).resolve().parents[1] / "src" / "ivs" / "standardize" / "data"


def zip_tables() -> tuple[str, str]:
    """The text of ``zip_states.csv`` and of ``zip_cities.txt``, from ``zipcodes``."""
    list_all = cast(Callable[[], list[dict[str, Any]]], zipcodes.list_all)
    pairs: set[tuple[str, str]] = set()
    cities: set[str] = set()
    for row in list_all():
        pairs.add((str(row["zip_code"]), str(row["state"])))
        cities.add(str(row["city"]).upper())
        cities.update(str(c).upper() for c in row.get("acceptable_cities") or ())
    bad = {v for pair in pairs for v in pair if "," in v or "\n" in v}
    bad |= {city for city in cities if "\n" in city}
    if bad:
        raise ValueError(f"zipcodes gives {sorted(bad)!r}, which a line of these files cannot hold")
    states = "zip,state\n" + "".join(f"{z},{s}\n" for z, s in sorted(pairs))
    return states, "".join(f"{city}\n" for city in sorted(cities))


def facility_keys() -> str:
    """The text of ``facility_keys.json``: one key a line, for readable differences."""
    by_zip, by_city = standardized_facility_keys()
    return json.dumps({"by_zip": by_zip, "by_city": by_city}, indent=0) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the folder to write into")
    args = parser.parse_args()
    states, cities = zip_tables()
    (args.data / "zip_states.csv").write_bytes(states.encode("utf-8"))
    (args.data / "zip_cities.txt").write_bytes(cities.encode("utf-8"))
    (args.data / "facility_keys.json").write_bytes(facility_keys().encode("utf-8"))
    print(f"zipcodes {zipcodes.__version__}: {states.count(chr(10)) - 1:,} ZIP codes, ", end="")
    print(f"{cities.count(chr(10)):,} city names; facility keys; written to {args.data}")


if __name__ == "__main__":
    main()
