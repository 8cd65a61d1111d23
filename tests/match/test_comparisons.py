"""Comparison levels, run by the engine on standardized pairs."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from tests.match.index_tables import address_tables

from ivs.domain.errors import ConfigError
from ivs.engines import DuckDBEngine, SqlStep
from ivs.match.comparisons import (
    ADDRESS,
    ADDRESS_MATCH_LEVELS,
    COMPARISONS,
    DOB,
    FUNCTIONS,
    NAME,
    RULE_COMPARISONS,
    STREETS_MAY_AGREE,
    level_sql,
)
from ivs.match.name_columns import with_name_match_columns
from ivs.match.pipeline import blocking_steps, comparison_steps
from ivs.standardize.address import standardize_address, standardize_addresses
from ivs.standardize.name import standardize_name

ADDRESS_OF_RECORD = ("100 N MAIN ST", "APT 4", "HOUSTON", "TX", "77002")


NO_RESTRICTIONS = pa.table(
    {
        "tin": pa.array([], pa.string()),
        "since": pa.array([], pa.date32()),
        "until": pa.array([], pa.date32()),
    }
)


def masked_table(rows: list[dict[str, object]], date_column: str) -> pa.Table:
    """Standardized rows as the engine holds them: the names' match columns, the date of birth
    typed as a date (none set aside)."""
    table = pa.Table.from_pylist([{k: v for k, v in r.items() if k != date_column} for r in rows])
    dates = pa.array([r.get(date_column) for r in rows], pa.date32())
    dated = table.append_column(date_column, dates)
    if date_column == "dob":
        dated = dated.append_column("dob_aside", pa.nulls(len(rows), pa.date32()))
    return with_name_match_columns(dated)


def levels(
    request_name: tuple[str, ...],
    taxpayer_name: tuple[str, ...],
    request_address: tuple[str | None, ...] = ADDRESS_OF_RECORD,
    *,
    born: tuple[date | None, date | None] = (None, None),
) -> dict[str, str]:
    """Level labels of one request against one taxpayer living at ADDRESS_OF_RECORD; ``born``:
    the request's date of birth and the taxpayer's."""
    req = {
        **standardize_name(*request_name),
        **standardize_address(*request_address),
        "request_key": 1,
        "tin_norm": None,
        "dob": born[0],
    }
    tp = {**standardize_name(*taxpayer_name), "tin": "123456789", "date_of_birth": born[1]}
    form = {**standardize_address(*ADDRESS_OF_RECORD), "form_id": 0}
    with DuckDBEngine(threads=1) as engine:
        engine.register("req", masked_table([req], "dob"))
        engine.register("tp", masked_table([tp], "date_of_birth"))
        for name, table in address_tables(pa.Table.from_pylist([form]), ["123456789"], [0]).items():
            engine.register(name, table)
        engine.register("restr", NO_RESTRICTIONS)
        engine.run(
            [
                SqlStep("pairs", "SELECT 1 AS request_key, '123456789' AS tin"),
                *comparison_steps(on=date(2025, 6, 27)),
            ]
        )
        row = engine.arrow("SELECT * FROM compared").to_pylist()[0]
    return {c.name: c.labels()[row[f"{c.name}_level"]] for c in (*COMPARISONS, *RULE_COMPARISONS)}


# (request middle name, taxpayer middle name, expected middle level)
MIDDLE_CASES: list[tuple[str | None, str | None, str]] = [
    ("Louise", "LOUISE", "agree"),
    ("L", "L", "agree"),
    ("L.", "LOUISE", "initial_agrees"),
    ("LOUISE", "L", "initial_agrees"),
    ("LOUISE", "LYNN", "initial_agrees"),
    ("M", "L", "conflict"),
    ("MARIE", "LOUISE", "conflict"),
    (None, "L", "missing"),
    ("L", None, "missing"),
    ("NMN", "L", "missing"),  # "no middle name" is no middle name
    (None, None, "missing"),
]


@pytest.mark.parametrize(("request_middle", "taxpayer_middle", "expected"), MIDDLE_CASES)
def test_middle_levels(
    request_middle: str | None, taxpayer_middle: str | None, expected: str
) -> None:
    got = levels(("Reed", "Betty", request_middle, None), ("REED", "BETTY", taxpayer_middle, None))
    assert got["middle"] == expected


# (request name, taxpayer name, expected name level); also run on Spark (tests/engines).
NAME_CASES: list[tuple[tuple[str | None, ...], tuple[str | None, ...], str]] = [
    (("García", "José Luis", None, None), ("GARCIA", "JOSE LUIS", None, None), "exact"),
    (("Nguyen", "Van Anh", None, None), ("VAN ANH", "NGUYEN", None, None), "reordered"),
    (
        ("Garcia", "Jose", None, None),
        ("GARCIA MARQUEZ", "JOSE LUIS", None, None),
        "given_and_surname",
    ),
    (("Smith", "Bill", None, None), ("SMITH", "WILLIAM", None, None), "variant"),
    (("Mohamed", "Ali", None, None), ("MUHAMMAD", "ALI", None, None), "variant"),
    (("Rodriquez", "Maria", None, None), ("RODRIGUEZ", "MARIA", None, None), "typo"),
    (("Rodriguez", "Maria", None, None), ("RODRIGUEZ", "MARIO", None, None), "surname_only"),
    (("Jones", "Sue", "Linda", None), ("JONES", "LINDA", None, None), "surname_only"),
    (("Yi", "Zhang", None, None), ("ZHANG", "LI", None, None), "other"),
    (("Lee", "Ann", None, None), ("PARK", "JOHN", None, None), "other"),
    (("Pierre", "Piere", None, None), ("PIERRE", "ROSE", None, None), "surname_only"),
    (
        ("Garcia Lopez", "Jorge", None, None),
        ("RODRIGUEZ LOPEZ", "JORGE", None, None),
        "surname_only",
    ),
    (("Agmed", "Ahmed", None, None), ("AHMED", "MAHMOUD", None, None), "other"),
    # OCR misreadings, read back before the spelling test (the address matches).
    (("Brown", "Erni1y", None, None), ("BROWN", "EMILY", None, None), "typo"),
    (("Landry", "Fa:th", None, None), ("LANDRY", "FAITH", None, None), "exact"),
    (("Vvalters", "Ann", None, None), ("WALTERS", "ANN", None, None), "typo"),
    # ... only where a token is misread: RN and M are both real in names.
    (("Smith", "Arnie", None, None), ("SMITH", "AMIE", None, None), "surname_only"),
    (("Smith", "Am1e", None, None), ("SMITH", "ARNIE", None, None), "surname_only"),
]


@pytest.mark.parametrize(("asked", "taxpayer", "level"), NAME_CASES)
def test_name_levels(asked: tuple[str, ...], taxpayer: tuple[str, ...], level: str) -> None:
    assert levels(asked, taxpayer)["name"] == level


BORN = date(1984, 6, 2)
# Noise beyond typing error in one of the first given name and the paternal surname, the other
# the same: (request name, taxpayer name, level with the dates of birth agreeing).
NOISY_NAME_CASES: list[tuple[tuple[str | None, ...], tuple[str | None, ...], str]] = [
    (("Sjrand", "Brian", None, None), ("DURAND", "BRIAN", None, None), "typo"),
    (("Richards", "Qaliyab", None, None), ("RICHARDS", "AALIYAH", None, None), "typo"),
    (("Rucker", "Tivany", None, None), ("RUCKER", "TIFFANY", None, None), "typo"),
    (("Wachendorf", "Zechariah", None, None), ("WACHNRNDPRF", "ZECHARIAH", None, None), "typo"),
    # Three edits in fewer than eight letters; two in fewer than five; an A/O gender pair.
    (("Roberson", "Vkjxent", None, None), ("ROBERSON", "VINCENT", None, None), "surname_only"),
    (("Miller", "Sarnantba", None, None), ("MILLER", "SAMANTHA", None, None), "typo"),
    (("Vega", "Madison", None, None), ("BEVA", "MADISON", None, None), "other"),
    (("Lopez", "Mariano", None, None), ("LOPEZ", "MARIANA", None, None), "surname_only"),
    # Both parts beyond typing error: nothing of the name is the same.
    (("Sjrand", "Brain", None, None), ("DURAND", "BRIAN", None, None), "other"),
]


@pytest.mark.parametrize(("asked", "taxpayer", "level"), NOISY_NAME_CASES)
def test_name_noise_beyond_typing_error_is_a_typo_only_where_the_date_of_birth_agrees(
    asked: tuple[str, ...], taxpayer: tuple[str, ...], level: str
) -> None:
    assert levels(asked, taxpayer, born=(BORN, BORN))["name"] == level
    if level == "typo":
        assert levels(asked, taxpayer)["name"] != "typo"  # no date of birth
        assert levels(asked, taxpayer, born=(BORN, date(1984, 6, 3)))["name"] != "typo"  # typo
        away = ("200 N MAIN ST", *ADDRESS_OF_RECORD[1:])
        assert levels(asked, taxpayer, away, born=(BORN, BORN))["name"] != "typo"  # another house


NAME_PAIR = (("Lopez", "Ana", None, None), ("LOPEZ", "ANA", None, None))

# (request address, level with the same name and date of birth) against ADDRESS_OF_RECORD
# (100 N MAIN ST, 13 characters: three edits at most).
NOISY_STREET_CASES: list[tuple[tuple[str | None, ...], str]] = [
    (("100 N Mqib Sf", "Apt 4", "Houston", "TX", "77002"), "street_typo"),  # three edits
    (("100 N Mqxb Sf", "Apt 4", "Houston", "TX", "77002"), "same_zip"),  # four
    (("100 N Mqib Sf", "Apt 5", "Houston", "TX", "77002"), "same_zip"),  # another unit
    (("102 N Mqib Sf", "Apt 4", "Houston", "TX", "77002"), "same_zip"),  # another number
    (("100 N Mqib Sf", "Apt 4", "Houston", "TX", "77003"), "other"),  # another ZIP code
]


@pytest.mark.parametrize(("address", "level"), NOISY_STREET_CASES)
def test_street_noise_beyond_typing_error_matches_only_the_same_name_born_the_same_day(
    address: tuple[str | None, ...], level: str
) -> None:
    assert levels(*NAME_PAIR, address, born=(BORN, BORN))["address"] == level
    if level == "street_typo":
        assert levels(*NAME_PAIR, address)["address"] == "same_zip"  # no date of birth
        assert levels(*NAME_PAIR, address, born=(BORN, date(1984, 6, 3)))["address"] == "same_zip"
        nickname = (("Lopez", "Anita", None, None), NAME_PAIR[1])  # a variant, not the same
        assert levels(*nickname, address, born=(BORN, BORN))["address"] == "same_zip"


# (request address, expected address level) against ADDRESS_OF_RECORD; also run on Spark.
ADDRESS_CASES: list[tuple[tuple[str | None, ...], str]] = [
    (("100 North Main Street", "Apt. 4", "Houston", "TX", "77002-1234"), "exact"),
    (("100 N Main St", "#4", "Houston", "TX", "77002"), "exact"),
    (("100 N Main St", "Apt 4", "Houston", "TX", "77003"), "exact_city"),
    (("100 N Mian St", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    (("100 N Main Sterat", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    (("100 Nrth Main St", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    (("100 N Main Ct", "Apt 4", "Houston", "TX", "77002"), "same_zip"),
    (("100 N Main St", None, "Houston", "TX", "77002"), "unit_differs"),
    (("100 N Main St", "Apt 5", "Houston", "TX", "77002"), "unit_differs"),
    (("7 Oak Dr", None, "Houston", "TX", "77002"), "same_zip"),
    (("7 Oak Dr", None, "Dallas", "TX", "75201"), "other"),
    # OCR: RN read for M, VV for W, in the street name.
    (("100 N Rnain St", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    # A mistyped suffix left in a mistyped street name; its first letter must be the suffix's.
    (("100 N Mian Sterat", "Apt 4", "Houston", "TX", "77002"), "street_typo"),
    (("100 N Mian Cterat", "Apt 4", "Houston", "TX", "77002"), "same_zip"),
    # A house number written with a number mark or a letter for a digit.
    (("Nº 100 N Main St", "Apt 4", "Houston", "TX", "77002"), "exact"),
    (("1O0 N Main St", "Apt 4", "Houston", "TX", "77002"), "exact"),
]


@pytest.mark.parametrize(("address", "level"), ADDRESS_CASES)
def test_address_levels(address: tuple[str | None, ...], level: str) -> None:
    assert levels(*NAME_PAIR, request_address=address)["address"] == level


# Streets of one ZIP code that share a house number: the number_zip rule's raw material.
STREETS_OF_A_ZIP = (
    "N MAIN ST",
    "MAIN ST",
    "MAIN CT",
    "NORTHEAST MAIN ST",
    "OAK DR",
    "OAKS DR",
    "E ELM ST",
    "ELM ST",
    "MARTIN LUTHER KING JR BLVD",
    "CAMINO REAL",
    "BROADWAY",
    "AVENUE B",
)


def _one_edit_variants(text: str) -> set[str]:
    """Every deletion and transposition of ``text``, and substitutions and insertions of a few
    letters: the typing errors a request's street carries."""
    variants = {text}
    for i in range(len(text)):
        variants.add(text[:i] + text[i + 1 :])
        variants.add(text[:i] + text[i + 1 : i + 2] + text[i] + text[i + 2 :])
        for letter in "AEX":
            variants.add(text[:i] + letter + text[i + 1 :])
            variants.add(text[:i] + letter + text[i:])
    return variants


def test_number_zip_keeps_every_address_that_can_match_at_its_number_and_zip() -> None:
    """The number_zip rule's street test (the same delivery line, or STREETS_MAY_AGREE) holds
    for every pair of addresses with the same house number and ZIP whose level is exact,
    street_typo or unit_differs: the rule drops only addresses no request can match there."""
    units = (None, "APT 4", "APT 5")
    asked = [
        (f"100 {variant}", units[i % 3])
        for street in STREETS_OF_A_ZIP
        for i, variant in enumerate(sorted(_one_edit_variants(street)))
    ]
    on_record = [(f"100 {street}", unit) for street in STREETS_OF_A_ZIP for unit in units[:2]]

    def standardized(rows: list[tuple[str, str | None]]) -> pa.Table:
        raw = pa.table(
            {
                "street_address": [street for street, _ in rows],
                "unit": [unit for _, unit in rows],
                "city": ["HOUSTON"] * len(rows),
                "state": ["TX"] * len(rows),
                "zip": ["77002"] * len(rows),
            }
        )
        return standardize_addresses(raw)

    labels = ADDRESS.labels()
    match_here = [labels.index(label) for label in ("exact", "street_typo", "unit_differs")]
    agree = f"(r.addr_line = f.addr_line OR {STREETS_MAY_AGREE})".format(**FUNCTIONS["duckdb"])
    with DuckDBEngine(threads=1) as engine:
        engine.register("req", standardized(asked))
        engine.register("forms", standardized(on_record))
        counts = engine.arrow(
            f"""
            SELECT count(*) FILTER (WHERE lvl IN ({", ".join(map(str, match_here))})
                                    AND NOT agrees) AS missed,
                   count(*) FILTER (WHERE lvl IN ({", ".join(map(str, match_here))})) AS matching,
                   count(*) FILTER (WHERE NOT agrees) AS dropped,
                   count(*) FILTER (WHERE lvl = {labels.index("street_typo")}) AS typos,
                   count(*) FILTER (WHERE agrees AND NOT shares_a_letter)
                       AS agree_without_a_letter
            FROM (SELECT {level_sql(ADDRESS, "duckdb")} AS lvl, coalesce({agree}, FALSE) AS agrees,
                         coalesce(left(r.addr_street_name, 1) = left(f.addr_street_name, 1)
                                  OR right(r.addr_street_name, 1) = right(f.addr_street_name, 1)
                                  OR r.addr_line = f.addr_line, FALSE) AS shares_a_letter
                  FROM req r, forms f
                  WHERE r.addr_house_number = f.addr_house_number AND r.addr_zip5 = f.addr_zip5)
            """
        ).to_pylist()[0]
    assert counts["missed"] == 0
    # The rule joins the forms at the number on a letter at one end of the street (or the
    # line): every pair that may agree has one.
    assert counts["agree_without_a_letter"] == 0
    # Not a test that cannot fail: many pairs match, many typos among them, and the other
    # streets of the ZIP are dropped.
    assert counts["matching"] > 500
    assert counts["typos"] > 400
    assert counts["dropped"] > len(asked) * 5
    assert ADDRESS_MATCH_LEVELS - {"exact_city"} <= {labels[i] for i in match_here}


# (request's street name, recorded street name, whether the two may agree)
STREET_PAIRS: list[tuple[str, str, bool]] = [
    ("MIAN", "MAIN", True),  # a transposition
    ("RNAIN", "MAIN", True),  # OCR: RN for M, the last letter kept
    ("MARTIN LUTHER KNG", "MARTIN LUTHER KING", True),
    # Both ends changed: near by Jaro-Winkler (0.93) but not a typing error of the name.
    ("XARTIN LUTHER KINX", "MARTIN LUTHER KING", False),
    ("A", "B", False),  # one edit apart, and two streets
]


@pytest.mark.parametrize(("asked", "recorded", "agree"), STREET_PAIRS)
def test_streets_that_may_agree_share_a_letter_at_one_end(
    asked: str, recorded: str, agree: bool
) -> None:
    test = STREETS_MAY_AGREE.format(**FUNCTIONS["duckdb"])
    with DuckDBEngine(threads=1) as engine:
        held = engine.scalar(
            f"""SELECT {test} FROM (SELECT '{asked}' AS addr_street_name, NULL AS addr_suffix) r,
                (SELECT '{recorded}' AS addr_street_name, NULL AS addr_suffix) f"""
        )
    assert held is agree


def test_every_dialect_names_every_function() -> None:
    keys = set(FUNCTIONS["duckdb"])
    assert all(set(names) == keys for names in FUNCTIONS.values())
    for comparison in (NAME, ADDRESS):
        assert level_sql(comparison, "spark") != level_sql(comparison, "duckdb")


def test_unknown_dialect_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown engine dialect"):
        level_sql(NAME, "oracle")


def test_of_addresses_of_record_at_the_same_level_the_lowest_form_is_named() -> None:
    # Three addresses of the taxpayer, none the request's, all in its ZIP code (same_zip):
    # whichever order the engine meets them in, the pair names the same one.
    streets = ("7 ELM ST", "9 OAK AVE", "3 PINE RD")
    forms = [
        {**standardize_address(street, None, "HOUSTON", "TX", "77002"), "form_id": form_id}
        for street, form_id in zip(streets, (12, 5, 9), strict=True)
    ]
    req = {
        **standardize_name("Lopez", "Ana", None, None),
        **standardize_address(*ADDRESS_OF_RECORD),
        "request_key": 1,
        "tin_norm": None,
        "dob": None,
    }
    tp = {**standardize_name("LOPEZ", "ANA", None, None), "tin": "123456789", "date_of_birth": None}
    with DuckDBEngine() as engine:
        engine.register("req", masked_table([req], "dob"))
        engine.register("tp", masked_table([tp], "date_of_birth"))
        for name, table in address_tables(
            pa.Table.from_pylist(forms), ["123456789"] * 3, [12, 5, 9]
        ).items():
            engine.register(name, table)
        engine.register("restr", NO_RESTRICTIONS)
        engine.run(
            [
                SqlStep("pairs", "SELECT 1 AS request_key, '123456789' AS tin"),
                *comparison_steps(on=date(2025, 6, 27), form_shown=True),
            ]
        )
        row = engine.arrow("SELECT address_level, address_form_id FROM compared").to_pylist()[0]
    assert ADDRESS.labels()[row["address_level"]] == "same_zip"
    assert row["address_form_id"] == 5


@pytest.mark.parametrize(
    ("address", "paired"),
    [
        (("100 N Main St", "Apt 4", "Houston", "TX", "77003"), True),  # a mistyped ZIP code
        (("100 N Main St", "Apt 4", "Dallas", "TX", "77003"), False),  # and another city
        (("100 N Main St", "Apt 4", "Houston", "TX", "77002"), True),
    ],
)
def test_number_zip_pairs_the_same_line_in_the_same_city_where_the_zip_differs(
    address: tuple[str | None, ...], paired: bool
) -> None:
    req = {
        **standardize_name("Lopez", "Ana", None, None),
        **standardize_address(*address),
        "request_key": 1,
        "tin_norm": None,
        "dob": None,
    }
    tp = {**standardize_name("LOPEZ", "ANA", None, None), "tin": "123456789"}
    form = {**standardize_address(*ADDRESS_OF_RECORD), "form_id": 0}
    with DuckDBEngine(threads=1) as engine:
        engine.register("req", masked_table([req], "dob"))
        engine.register("tp", masked_table([tp], "date_of_birth"))
        for name, table in address_tables(pa.Table.from_pylist([form]), ["123456789"], [0]).items():
            engine.register(name, table)
        engine.run(blocking_steps())
        found = engine.arrow("SELECT tin FROM pairs WHERE by_number_zip").num_rows
    assert found == int(paired)


# (request's date of birth, taxpayer's, expected level); also run on Spark (tests/engines).
DOB_CASES: list[tuple[str, str | None, str]] = [
    ("1949-01-18", "1949-01-18", "agree"),
    ("1949-01-18", "1949-01-19", "typo"),  # one digit of the day
    ("1944-01-02", "1944-07-02", "typo"),  # one digit of the month
    ("1990-05-01", "1990-01-05", "typo"),  # month and day exchanged
    ("1959-12-06", "1958-12-06", "typo"),  # the year's last digit
    ("1960-03-12", "1990-03-12", "disagree"),  # a father and a son: another decade
    ("2005-03-18", "2005-03-23", "disagree"),  # both digits of the day
    ("1983-03-20", "1984-03-26", "disagree"),  # two fields
    ("1983-03-20", None, "missing"),
]


def _dob_level(asked: str | None, on_record: str | None, *, set_aside: bool = False) -> str:
    def day(value: str | None) -> pa.Array:
        return pa.array([None if value is None else date.fromisoformat(value)], pa.date32())

    table = pa.table(
        {
            "dob": day(None if set_aside else asked),
            "dob_aside": day(asked if set_aside else None),
            "date_of_birth": day(on_record),
        }
    )
    with DuckDBEngine(threads=1) as engine:
        engine.register("dates", table)
        row = engine.arrow(
            f"SELECT {level_sql(DOB, 'duckdb')} AS lvl FROM "
            "(SELECT dob, dob_aside FROM dates) r, (SELECT date_of_birth FROM dates) t"
        ).to_pylist()[0]
    return DOB.labels()[row["lvl"]]


@pytest.mark.parametrize(("asked", "on_record", "level"), DOB_CASES)
def test_dob_levels(asked: str, on_record: str | None, level: str) -> None:
    assert _dob_level(asked, on_record) == level


@pytest.mark.parametrize(
    ("aside", "on_record", "level"),
    [
        ("2024-01-02", "2015-03-07", "disagree"),  # a child's date: another sister, not this one
        ("1890-05-01", "1990-05-01", "disagree"),  # older than anyone living, and another year
        ("2015-03-07", "2015-03-07", "missing"),  # the same day: no evidence for a match
        ("2015-03-17", "2015-03-07", "missing"),  # a typing error away: neither for nor against
        ("2024-01-02", None, "missing"),
    ],
)
def test_a_date_of_birth_set_aside_counts_against_a_candidate_never_for_one(
    aside: str, on_record: str | None, level: str
) -> None:
    assert _dob_level(aside, on_record, set_aside=True) == level


def test_address_levels_are_those_of_grading_every_address_of_record() -> None:
    """pair_address grades in full only the forms where a level above same_zip can hold
    (near_levels); every pair's level and named form are those of grading each of the
    taxpayer's addresses of record in full."""
    units = (None, "APT 4")
    places = (("HOUSTON", "TX", "77002"), ("HOUSTON", "TX", "77003"), ("DALLAS", "TX", "75201"))
    asked = [
        (f"{number} {variant}", units[i % 2], *places[i % 3])
        for street in STREETS_OF_A_ZIP[:8]
        for number in (100, 102)
        for i, variant in enumerate(sorted(_one_edit_variants(street))[:24])
    ] + [("PO BOX 12", None, *place) for place in places]
    # Each taxpayer has one address of record on a street of the ZIP code, the same line in
    # another ZIP code of the city, and one in another city; one taxpayer holds a PO box.
    recorded = [
        [
            (f"100 {street}", units[k % 2], *places[0]),
            (f"100 {street}", units[k % 2], *places[1]),
            (f"{7 + k} ELM ST", None, *places[2]),
        ]
        for k, street in enumerate(STREETS_OF_A_ZIP)
    ] + [[("PO BOX 12", None, *places[0])]]
    rows = sorted({address for addresses in recorded for address in addresses})
    form_ids = {address: form_id for form_id, address in enumerate(rows)}
    columns = ("street_address", "unit", "city", "state", "zip")
    forms = standardize_addresses(
        pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    )
    forms = forms.append_column("form_id", pa.array(range(len(rows)), pa.int64()))
    tins = [f"{k:09d}" for k in range(len(recorded))]
    of_record = [
        (tin, form_ids[a]) for tin, addresses in zip(tins, recorded, strict=True) for a in addresses
    ]
    name = standardize_name("Lopez", "Ana", None, None)
    requests = standardize_addresses(
        pa.table({c: [r[i] for r in asked] for i, c in enumerate(columns)})
    ).to_pylist()
    req = [
        {**name, **address, "request_key": key, "tin_norm": None, "dob": None}
        for key, address in enumerate(requests)
    ]
    tp = [{**name, "tin": tin, "date_of_birth": None} for tin in tins]
    every = f"""
        SELECT p.request_key, p.tin, min(lvl) AS address_level,
               min(lvl * {1 << 40} + form_id) % {1 << 40} AS address_form_id
        FROM (SELECT p.request_key, p.tin, f.form_id, {level_sql(ADDRESS, "duckdb")} AS lvl
              FROM pairs p JOIN req r ON r.request_key = p.request_key
              JOIN addr a ON a.tin = p.tin JOIN forms f ON f.form_id = a.form_id) p
        GROUP BY p.request_key, p.tin"""
    with DuckDBEngine(threads=1) as engine:
        engine.register("req", masked_table(req, "dob"))
        engine.register("tp", masked_table(tp, "date_of_birth"))
        for table_name, table in address_tables(
            forms, [tin for tin, _ in of_record], [form for _, form in of_record]
        ).items():
            engine.register(table_name, table)
        engine.register("restr", NO_RESTRICTIONS)
        pairs = SqlStep("pairs", "SELECT r.request_key, t.tin FROM req r, tp t")
        # A batch's run finds the same levels without naming the forms they were found at.
        engine.run([pairs, *comparison_steps(on=date(2025, 6, 27))])
        unshown = engine.arrow("SELECT * FROM compared ORDER BY request_key, tin")
        engine.run([pairs, *comparison_steps(on=date(2025, 6, 27), form_shown=True)])
        shown = engine.arrow("SELECT * FROM compared ORDER BY request_key, tin")
        got = shown.select(["request_key", "tin", "address_level", "address_form_id"])
        expected = engine.arrow(f"SELECT * FROM ({every}) ORDER BY request_key, tin")
    assert got.num_rows == len(asked) * len(tins)
    assert got.to_pylist() == expected.to_pylist()
    assert "address_form_id" not in unshown.column_names
    assert unshown.equals(shown.drop_columns(["address_form_id"]))
    # Not a test that cannot fail: every level above same_zip, and both others, are met.
    met = {ADDRESS.labels()[level] for level in got.column("address_level").to_pylist()}
    assert met == set(ADDRESS.labels())
