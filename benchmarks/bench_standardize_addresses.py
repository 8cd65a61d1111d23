"""Time address standardization on generated request and master address columns.

    .venv/bin/python benchmarks/bench_standardize_addresses.py --rows 1280000 --case request
    .venv/bin/python benchmarks/bench_standardize_addresses.py --rows 3000000 --case master

The request case has mostly distinct addresses; the master case repeats each taxpayer's address
across tax years (as a master file does), so dedupe matters. Prints rows/s, the distinct share,
the slow-path share and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import pyarrow as pa

_STREETS = [
    "MAIN", "OAK", "PINE", "MAPLE", "CEDAR", "ELM", "WASHINGTON", "LAKE", "HILL", "PARK",
    "SUNSET", "JEFFERSON", "LINCOLN", "JACKSON", "MADISON", "FRANKLIN", "WILLOW", "BIRCH",
    "MARTIN LUTHER KING JR", "SAN JACINTO", "LAS PALMAS", "RIO GRANDE", "BELLAIRE", "WESTHEIMER",
    "CHIMNEY ROCK", "GESSNER", "KIRBY", "MONTROSE", "HARWIN", "TELEPHONE", "AIRLINE", "ALDINE",
    "BISSONNET", "FONDREN", "HILLCROFT", "SHARPSTOWN", "EL CAMINO", "VISTA DEL SOL", "CAMELBACK",
]  # fmt: skip
_SUFFIXES = ["ST", "STREET", "AVE", "AVENUE", "RD", "ROAD", "DR", "DRIVE", "LN", "BLVD", "CT",
             "WAY", "PL", "CIR", "PKWY", "TRL", "Street", "Ave.", "Rd."]  # fmt: skip
_DIRS = ["N", "S", "E", "W", "NORTH", "SW", "NE"]
_UNITS = ["APT", "Apt.", "UNIT", "STE", "#", "LOT", "TRLR", "SPC", "Apartment"]
_CITIES = [("HOUSTON", "TX", "77036"), ("Los Angeles", "CA", "90011"), ("CHICAGO", "IL", "60623"),
           ("Miami", "FL", "33125"), ("PHOENIX", "AZ", "85009"), ("New York", "NY", "10032"),
           ("San Juan", "PR", "00926"), ("ATLANTA", "GA", "30318"),
           ("DALLAS", "Texas", "75211")]  # fmt: skip
_PLACEHOLDERS = ["Failed to Provide", "UNKNOWN ADDRESS", "N/A", "NONE", "---", "Homeless"]


def _street_line(rng: random.Random) -> tuple[str, str | None]:
    """One delivery line and unit column, in the mix of shapes seen in filed addresses."""
    r = rng.random()
    number = str(rng.randint(1, 29999))
    name = rng.choice(_STREETS)
    suffix = rng.choice(_SUFFIXES)
    unit: str | None = None
    if r < 0.55:
        line = f"{number} {name} {suffix}"
        if rng.random() < 0.3:
            line = f"{number} {rng.choice(_DIRS)} {name} {suffix}"
        u = rng.random()
        if u < 0.15:
            unit = f"{rng.choice(_UNITS)} {rng.randint(1, 400)}"
        elif u < 0.25:
            line += f" {rng.choice(_UNITS)} {rng.randint(1, 40)}{rng.choice('ABCD')}"
        return line.lower() if rng.random() < 0.2 else line, unit
    if r < 0.65:
        return f"PO BOX {rng.randint(1, 99999)}", None
    if r < 0.70:
        return f"P.O. Box {rng.randint(1, 9999)}", None
    if r < 0.74:
        return f"RR {rng.randint(1, 9)} BOX {rng.randint(1, 999)}", None
    if r < 0.76:
        return f"HC {rng.randint(1, 9)} Box {rng.randint(1, 999)}", None
    if r < 0.80:
        ordinal = rng.choice(["FIRST", "Second", "THIRD", "Fifth", "TWENTY-FIRST", "5th", "42ND"])
        return f"{number} {ordinal} {suffix}", None
    if r < 0.83:
        highway = rng.choice(["STATE HIGHWAY", "Hwy", "FM", "COUNTY ROAD"])
        return f"{number} {highway} {rng.randint(1, 3000)}", None
    if r < 0.85:
        return f"{rng.randint(100, 999)}-{rng.randint(10, 99)} {name} {suffix}", None
    if r < 0.87:
        return f"{number} {name}", None  # no suffix ("123 BROADWAY")
    if r < 0.89:
        return f"{number} 1/2 {name} {suffix}", None
    if r < 0.90:
        urbanization = rng.choice(["LAS GLADIOLAS", "VILLA CAROLINA"])
        return f"URB {urbanization} {number} CALLE {rng.randint(1, 40)}", None
    if r < 0.91:
        return f"PSC {rng.randint(1000, 9999)} BOX {rng.randint(1, 9999)}", None
    if r < 0.93:
        return rng.choice(_PLACEHOLDERS), None
    if r < 0.94:
        return f"{name} {suffix}", None
    if r < 0.95:
        return str(rng.randint(10000, 99999)), None
    if r < 0.97:
        return f"{number} {name} {suffix}, {rng.choice(_CITIES)[0]}", None
    return f"{number} {rng.choice(_DIRS)} {rng.randint(100, 9999)} {rng.choice(_DIRS)}", None


def generate_address_rows(rows: int, *, seed: int = 0, years: int = 1) -> pa.Table:
    """``rows`` address rows; with ``years`` > 1 each address repeats over that many tax years."""
    rng = random.Random(seed)
    streets: list[str | None] = []
    units: list[str | None] = []
    cities: list[str | None] = []
    states: list[str | None] = []
    zips: list[str | None] = []
    while len(streets) < rows:
        line, unit = _street_line(rng)
        city, state, zip5 = rng.choice(_CITIES)
        if rng.random() < 0.2:
            zip5 = f"{zip5}-{rng.randint(1000, 9999)}"
        # A taxpayer's address repeats across years, sometimes written slightly differently.
        repeat = rng.randint(1, 2 * years - 1) if years > 1 else 1
        for _ in range(min(repeat, rows - len(streets))):
            streets.append(line if rng.random() > 0.1 else line.upper())
            units.append(unit)
            cities.append(city)
            states.append(state)
            zips.append(zip5)
    return pa.table(
        {"street_address": streets, "unit": units, "city": cities, "state": states, "zip": zips},
        schema=pa.schema(
            [(n, pa.string()) for n in ("street_address", "unit", "city", "state", "zip")]
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_280_000)
    parser.add_argument("--case", choices=["request", "master"], default="request")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from ivs.standardize.address import standardize_addresses

    years = 1 if args.case == "request" else 5
    t0 = time.perf_counter()
    table = generate_address_rows(args.rows, seed=args.seed, years=years)
    t1 = time.perf_counter()
    standardize_addresses(table.slice(0, 10))  # load tables and facility keys once
    t2 = time.perf_counter()
    out = standardize_addresses(table)
    t3 = time.perf_counter()
    distinct = table.group_by(list(table.column_names)).aggregate([]).num_rows
    slow = out.column("addr_slow_path")
    slow_rows = sum(1 for v in slow.to_pylist() if v)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"case={args.case} rows={args.rows:,} generated in {t1 - t0:.1f}s, warm-up {t2 - t1:.1f}s"
    )
    print(f"standardized in {t3 - t2:.1f}s = {args.rows / (t3 - t2):,.0f} rows/s")
    print(f"distinct tuples {distinct:,} ({distinct / args.rows:.1%} of rows)")
    print(f"slow-path rows {slow_rows:,} ({slow_rows / args.rows:.2%} of rows)")
    print(f"peak memory (max RSS) {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
