"""Name masks: the scalar test that spares most pairs the name lists must never hide a level."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
from tests.match.index_tables import address_tables
from tests.match.test_comparisons import (
    ADDRESS_OF_RECORD,
    NAME_CASES,
    NO_RESTRICTIONS,
    masked_table,
)

from ivs.engines import DuckDBEngine
from ivs.match.comparisons import NAME
from ivs.match.name_masks import MASK_COLUMNS, name_masks, token_mask, with_name_masks
from ivs.match.pipeline import comparison_steps
from ivs.standardize.address import standardize_address
from ivs.standardize.name import standardize_name, standardize_names

LISTS = pa.list_(pa.string())


def test_a_row_has_the_bits_of_its_strings_and_none_of_an_empty_list() -> None:
    lists = pa.array([["A", "B"], [], None, ["B"], [None, "A"], ["A", "B", "A"]], LISTS)
    a, b = token_mask(pa.array([["A"]], LISTS))[0], token_mask(pa.array([["B"]], LISTS))[0]
    assert list(token_mask(lists)) == [a | b, 0, 0, b, a, a | b]
    assert bin(int(a)).count("1") == bin(int(b)).count("1") == 1


def test_a_slice_and_a_chunked_column_give_the_same_masks() -> None:
    lists = pa.array([["X"], ["Y", "Z"], [], ["Z"], None], LISTS)
    whole = token_mask(lists)
    assert list(token_mask(lists.slice(2))) == list(whole[2:])
    chunked = pa.chunked_array([lists.slice(0, 2), lists.slice(2)])
    assert list(token_mask(chunked)) == list(whole)
    assert len(token_mask(pa.chunked_array([], LISTS))) == 0


def test_masks_are_int64_columns_of_every_mask_name() -> None:
    names = standardize_names(
        pa.table({"last_name": ["GARCIA", None], "first_name": ["JOSE", "ANA"]})
    )
    masks = name_masks(names)
    assert set(masks) == set(MASK_COLUMNS)
    assert all(m.type == pa.int64() and m.null_count == 0 for m in masks.values())
    assert with_name_masks(with_name_masks(names)).num_columns == names.num_columns + 3


# Every name of the hand-made cases against every other, at the address of record (the typo
# level may apply) and elsewhere (it may not).
# Every name of the hand-made cases, and names drawn from tokens that are variants, typos,
# particles and compounds of one another, in either field and any order.
TOKENS = (
    "GARCIA",
    "GRACIA",
    "MARQUEZ",
    "JOSE",
    "LUIS",
    "NGUYEN",
    "VAN",
    "ANH",
    "DE LA",
    "CRUZ",
    "WILLIAM",
    "BILL",
    "MOHAMED",
    "MUHAMMAD",
    "ALI",
    "MARIA",
    "MARIO",
    "LI",
    "YI",
)


def _drawn_names(count: int) -> list[tuple[str | None, ...]]:
    rng = random.Random(6103)
    names: list[tuple[str | None, ...]] = []
    for _ in range(count):
        last = " ".join(rng.sample(TOKENS, rng.randint(1, 2)))
        first = " ".join(rng.sample(TOKENS, rng.randint(1, 2)))
        names.append((last, first, None, None))
    return names


NAMES = sorted(
    {n for asked, taxpayer, _ in NAME_CASES for n in (asked, taxpayer)} | set(_drawn_names(80)),
    key=str,
)
ELSEWHERE = ("9 OTHER RD", None, "DALLAS", "TX", "75201")


def _all_pairs() -> tuple[list[dict[str, object]], list[dict[str, object]], pa.Table]:
    requests, taxpayers = [], []
    for i, name in enumerate(NAMES):
        taxpayers.append({**standardize_name(*name), "tin": f"{i:09d}"})
        for away, address in enumerate((ADDRESS_OF_RECORD, ELSEWHERE)):
            requests.append(
                {
                    **standardize_name(*name),
                    **standardize_address(*address),
                    "request_key": 2 * i + away,
                    "tin_norm": None,
                }
            )
    pairs = pa.table(
        {
            "request_key": [r["request_key"] for r, _ in itertools.product(requests, taxpayers)],
            "tin": [t["tin"] for _, t in itertools.product(requests, taxpayers)],
        }
    )
    return requests, taxpayers, pairs


def _every_bit_set(table: pa.Table) -> pa.Table:
    """``table`` with masks that share every bit: no guard can spare a pair."""
    for column in MASK_COLUMNS:
        position = table.schema.get_field_index(column)
        table = table.set_column(position, column, pa.array([-1] * table.num_rows, pa.int64()))
    return table


def _name_levels(masks: Callable[[pa.Table], pa.Table]) -> pa.Table:
    """Every pair's name level, and whether the masks let it reach the lists."""
    requests, taxpayers, pairs = _all_pairs()
    with DuckDBEngine(threads=1) as engine:
        engine.register("req", masks(masked_table(requests, "dob")))
        engine.register("tp", masks(masked_table(taxpayers, "date_of_birth")))
        for name, table in address_tables(
            pa.Table.from_pylist([{**standardize_address(*ADDRESS_OF_RECORD), "form_id": 0}]),
            [t["tin"] for t in taxpayers],
            [0] * len(taxpayers),
        ).items():
            engine.register(name, table)
        engine.register("restr", NO_RESTRICTIONS)
        engine.register("pairs", pairs)
        engine.run(comparison_steps(on=date(2025, 6, 27)))
        return engine.arrow(
            "SELECT request_key, tin, name_level, names_may_agree FROM compared "
            "ORDER BY request_key, tin"
        )


def test_the_masks_never_change_a_name_level() -> None:
    guarded = _name_levels(lambda table: table)
    # The reference: the same pairs with every guard passing, so the lists alone decide.
    from_lists = _name_levels(_every_bit_set)
    assert guarded.num_rows == from_lists.num_rows == len(NAMES) ** 2 * 2
    assert guarded.column("name_level").equals(from_lists.column("name_level"))
    # The guards do spare pairs, and every level occurs among the pairs compared.
    spared = pc.invert(guarded.column("names_may_agree"))
    assert pc.any(spared).as_py()
    assert set(pc.unique(guarded.column("name_level")).to_pylist()) == set(range(len(NAME.levels)))


def test_the_first_given_names_keys_are_among_the_given_keys() -> None:
    # What lets the given masks guard the first-given-key test (comparisons._FIRST_GIVEN_KEY).
    names = standardize_names(
        pa.table(
            {
                "last_name": [n[0] for n in NAMES],
                "first_name": [n[1] for n in NAMES],
                "middle_name": [n[2] for n in NAMES],
            }
        )
    )
    first_keys = names.column("name_first_keys").to_pylist()
    given_keys = names.column("name_given_keys").to_pylist()
    assert any(first_keys)
    for first, given in zip(first_keys, given_keys, strict=True):
        assert set(first or ()) <= set(given or ())
