"""Writes the ZIP tables of ``ivs.standardize`` from the installed ``zipcodes`` package.

``src/ivs/standardize/data/zip_states.csv`` holds each ZIP code with its state and
``zip_cities.txt`` every city name a ZIP code has (primary or acceptable), upper case, one a
line. ``zipcodes`` answers only with a dict for each of its 42,000 ZIP codes, a second of work
in every process that standardizes an address; these two columns are all intake uses, and read
from the files in milliseconds. Run this after upgrading ``zipcodes``:
``tests/standardize/test_zip_tables.py`` fails until the files match the installed package.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import zipcodes

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the folder to write into")
    args = parser.parse_args()
    states, cities = zip_tables()
    (args.data / "zip_states.csv").write_bytes(states.encode("utf-8"))
    (args.data / "zip_cities.txt").write_bytes(cities.encode("utf-8"))
    print(f"zipcodes {zipcodes.__version__}: {states.count(chr(10)) - 1:,} ZIP codes, ", end="")
    print(f"{cities.count(chr(10)):,} city names written to {args.data}")


if __name__ == "__main__":
    main()
