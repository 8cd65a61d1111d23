"""Name standardization: the conformance corpus, the columnar path, and invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ivs.domain.codes import REJECTION_CODES
from ivs.domain.errors import IvsError
from ivs.standardize.name import (
    NAME_COLUMNS,
    NAME_SCHEMA,
    NameInputError,
    standardize_name,
    standardize_names,
)
from ivs.standardize.name_compare import NameLevel, compare_names, gender_pair
from ivs.standardize.name_control import name_control
from ivs.standardize.name_text import PARTICLES
from ivs.standardize.nickname import nickname_table, transliteration_table
from ivs.standardize.phonetic import nysiis_key, spanish_fold

CASES = [
    json.loads(line)
    for line in (Path(__file__).parents[1] / "data" / "name_cases.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
PARSE = [c for c in CASES if c["kind"] == "parse"]
CANONICAL_COLUMNS = (
    "name_last",
    "name_first",
    "name_middle",
    "name_suffix",
    "name_full",
    "name_given_tokens",
    "name_given_keys",
    "name_first_initial",
    "name_control",
    "name_defect",
)
PAIRS = [c for c in CASES if c["kind"] == "pair"]


def _std(fields: dict[str, Any]) -> dict[str, Any]:
    return standardize_name(
        fields["last"], fields["first"], fields.get("middle"), fields.get("suffix")
    )


def test_corpus_is_large_and_sourced() -> None:
    assert len(CASES) >= 300
    assert all(c["source"] for c in CASES)


@pytest.mark.parametrize(
    "case", PARSE, ids=[f"{c['input']['last']}|{c['input']['first']}" for c in PARSE]
)
def test_parse_case(case: dict[str, Any]) -> None:
    got = standardize_name(**case["input"])
    for column, expected in case["expect"].items():
        assert got[column] == expected, (
            f"{column}: {got[column]!r} != {expected!r} ({case['source']})"
        )


@pytest.mark.parametrize(
    "case",
    PAIRS,
    ids=[f"{c['a']['last']}|{c['a']['first']}~{c['b']['last']}|{c['b']['first']}" for c in PAIRS],
)
def test_pair_case(case: dict[str, Any]) -> None:
    a, b = _std(case["a"]), _std(case["b"])
    forward, backward = compare_names(a, b), compare_names(b, a)
    assert forward.level == backward.level, "comparison must be symmetric"
    if "level" in case:
        assert forward.level == NameLevel[case["level"]], f"{forward} ({case['source']})"
    if "at_most" in case:
        assert forward.level <= NameLevel[case["at_most"]], f"{forward} ({case['source']})"


def test_defect_codes_exist_in_the_code_table() -> None:
    defects = {c["expect"]["name_defect"] for c in PARSE if c["expect"].get("name_defect")}
    assert defects == {"NAME_LAST_MISSING", "NAME_FIRST_MISSING", "NAME_PLACEHOLDER"}
    assert defects <= set(REJECTION_CODES)


def test_columnar_path_agrees_with_single_records_and_keeps_order() -> None:
    inputs = [c["input"] for c in PARSE]
    table = pa.table(
        {
            "last_name": pa.array([i["last"] for i in inputs], pa.string()),
            "first_name": pa.array([i["first"] for i in inputs], pa.string()),
            "middle_name": pa.array([i["middle"] for i in inputs], pa.string()),
            "name_suffix": pa.array([i["suffix"] for i in inputs], pa.string()),
            "request_id": pa.array([str(n) for n in range(len(inputs))]),
        }
    )
    # Repeat the table so deduplication has work to do, in a shuffled order.
    doubled = pa.concat_tables([table, table.take(list(reversed(range(table.num_rows))))])
    result = standardize_names(doubled)
    assert result.schema == NAME_SCHEMA
    assert result.num_rows == doubled.num_rows
    rows = result.to_pylist()
    for index, fields in enumerate(inputs):
        assert rows[index] == standardize_name(**fields)
        assert rows[2 * len(inputs) - 1 - index] == rows[index]


def test_empty_table_and_missing_optional_columns() -> None:
    empty = pa.table(
        {"last_name": pa.array([], pa.string()), "first_name": pa.array([], pa.string())}
    )
    assert standardize_names(empty).schema == NAME_SCHEMA
    two = pa.table({"last_name": ["Garcia", None], "first_name": ["Jose", "Ana"]})
    out = standardize_names(two).to_pylist()
    assert out[0]["name_full"] == "JOSE GARCIA"
    assert out[1]["name_defect"] == "NAME_LAST_MISSING"


def test_bad_input_raises_our_error() -> None:
    with pytest.raises(NameInputError, match="no 'last_name' column") as caught:
        standardize_names(pa.table({"first_name": ["A"]}))
    assert isinstance(caught.value, IvsError)
    with pytest.raises(NameInputError, match="not a string"):
        standardize_names(pa.table({"last_name": [1], "first_name": ["A"]}))


def test_chunked_input_is_accepted() -> None:
    chunked = pa.Table.from_batches(
        [
            pa.record_batch({"last_name": ["Lee"], "first_name": ["Ann"]}),
            pa.record_batch({"last_name": ["De la Cruz"], "first_name": ["José"]}),
        ]
    )
    assert standardize_names(chunked)["name_last"].to_pylist() == ["LEE", "DELACRUZ"]


def test_tables_meet_their_documented_size_and_shape() -> None:
    spanish = Path(__file__).parents[2] / "src/ivs/standardize/data/names_nicknames_es.csv"
    assert len(spanish.read_text(encoding="utf-8").splitlines()) - 1 >= 60
    assert nickname_table()["PEPE"] == ("JOSE",)
    assert set(nickname_table()["BETO"]) >= {"ALBERTO", "ROBERTO", "HUMBERTO"}
    assert transliteration_table()["surname"]["RHEE"] == "LEE"
    assert transliteration_table()["given"]["MOHAMED"] == "MUHAMMAD"


@pytest.mark.parametrize(
    ("pairs", "same"),
    [
        (("JAVIER", "XAVIER"), True),
        (("JIMENEZ", "XIMENEZ"), True),
        (("GIMENEZ", "JIMENEZ"), True),
        (("HERNANDEZ", "FERNANDEZ"), True),
        (("GONZALEZ", "GONSALES"), True),
        (("VASQUEZ", "VAZQUEZ"), True),
        (("VALDEZ", "BALDES"), True),
        (("LLAMAS", "YAMAS"), True),
        (("QUINTERO", "KINTERO"), True),
        (("VASQUEZ", "VELASQUEZ"), False),
        (("FRANCO", "ARANGO"), False),
    ],
)
def test_spanish_phonetic_fold(pairs: tuple[str, str], same: bool) -> None:
    a, b = pairs
    assert (nysiis_key(a) == nysiis_key(b)) is same, (spanish_fold(a), spanish_fold(b))


def test_phonetic_key_skips_other_scripts() -> None:
    assert nysiis_key("ИВАНОВ") is None


@pytest.mark.parametrize(
    ("source", "control"),
    [
        ("GARCIA", "GARC"),
        ("LEE-SMITH", "LEE-"),
        ("NG", "NG"),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_name_control_characters(source: str | None, control: str | None) -> None:
    assert name_control(source) == control


def test_gender_pair() -> None:
    assert gender_pair("MARIA", "MARIO")
    assert not gender_pair("MARIA", "MARTA")
    assert not gender_pair("A", "O")


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc")),
    max_size=60,
)
_NAME_WORDS = st.lists(
    st.sampled_from(
        [
            "de",
            "la",
            "Cruz",
            "García",
            "y",
            "Márquez",
            "O'Brien",
            "Mc",
            "Jr.",
            "III",
            "van",
            "der",
            "NGUYỄN",
            "-",
            ",",
            "José",
            "Luis",
            "FNU",
            "x",
            "Đức",
            "ß",
            "V",
            "2nd",
            " ",
        ]
    ),
    max_size=6,
).map(" ".join)
_FIELD = st.one_of(st.none(), _TEXT, _NAME_WORDS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(last=_FIELD, first=_FIELD, middle=_FIELD, suffix=_FIELD)
@example(last="DU-V", first=None, middle=None, suffix=None)  # a suffix hyphened to a particle
def test_idempotent_on_canonical_output(
    last: str | None, first: str | None, middle: str | None, suffix: str | None
) -> None:
    once = standardize_name(last, first, middle, suffix)
    twice = standardize_name(
        once["name_last"], once["name_first"], once["name_middle"], once["name_suffix"]
    )
    # Particle groups are joined in name_last (DELACRUZ), so the lists that keep them apart
    # (name_tokens, the group's last word) cannot be recovered from it; every canonical
    # string is a fixed point, and so is everything when the surname has no particle group.
    joined_particles = any(word in PARTICLES for word in once["name_tokens"])
    columns = CANONICAL_COLUMNS if joined_particles else NAME_COLUMNS
    for column in columns:
        if column == "name_defect":
            # A punctuation-only placeholder folds to nothing and reads back as missing:
            # the code may change, but a defective name stays defective.
            assert (twice[column] is None) == (once[column] is None)
            continue
        if column == "name_control" and "-" in (once[column] or ""):
            continue  # only the name control keeps a hyphen (LEE-SMITH → LEE-); name_last not
        assert twice[column] == once[column], column


@settings(max_examples=100, deadline=None)
@given(last=_FIELD, first=_FIELD)
def test_never_raises_and_compares_with_itself(last: str | None, first: str | None) -> None:
    name = standardize_name(last, first)
    assert set(name) == set(NAME_COLUMNS)
    level = compare_names(name, name).level
    if name["name_defect"] is None:
        assert level == NameLevel.EXACT


def test_hostile_strings() -> None:
    huge = "García " * 150_000
    for value in ["\x00", "a\x00b", huge, "\u202e\u200b", "🙂🙂", "ﬃ", "\uffff", "İ", "ǅ"]:
        name = standardize_name(value, value, value, value)
        assert set(name) == set(NAME_COLUMNS)
    assert len(standardize_name(huge, "Ana")["name_last"] or "") < 1000


def test_a_colon_or_bar_between_letters_is_a_scanned_i() -> None:
    assert standardize_name("Landry", "Fa:th", None, None)["name_first"] == "FAITH"
    assert standardize_name("Will|ams", "Ann", None, None)["name_last"] == "WILLIAMS"
    # Between words it separates them, as before.
    assert standardize_name("Landry", "Ann: Marie", None, None)["name_first"] == "ANN MARIE"
