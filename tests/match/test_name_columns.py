"""Name tokens as integer ids: the comparisons must decide on them what they would on strings."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from tests.match.index_tables import address_tables
from tests.match.test_comparisons import ADDRESS_OF_RECORD, NO_RESTRICTIONS
from tests.match.test_name_masks import NAMES, _all_pairs

from ivs.engines import DuckDBEngine
from ivs.match import name_columns
from ivs.match.comparisons import NAME
from ivs.match.name_columns import (
    ID_COLUMNS,
    TEXT_COLUMNS,
    WordIds,
    name_match_columns,
    with_name_match_columns,
)
from ivs.match.pipeline import comparison_steps
from ivs.standardize.address import standardize_address
from ivs.standardize.name import standardize_names

LISTS = pa.list_(pa.string())


def _names(*rows: tuple[str | None, str | None]) -> pa.Table:
    return standardize_names(
        pa.table({"last_name": [r[0] for r in rows], "first_name": [r[1] for r in rows]})
    )


def test_equal_tokens_have_equal_ids_and_different_tokens_different_ones() -> None:
    names = _names(("GARCIA MARQUEZ", "JOSE LUIS"), ("MARQUEZ", "LUIS"), (None, "ANA"))
    columns = name_match_columns(names)
    assert set(columns) >= set(ID_COLUMNS) | set(TEXT_COLUMNS)
    for id_column, list_column in ID_COLUMNS.items():
        strings = names.column(list_column).to_pylist()
        ids = columns[id_column].to_pylist()
        assert [len(s or ()) for s in strings] == [len(i or ()) for i in ids]
        pairs = {
            (w, i)
            for s, n in zip(strings, ids, strict=True)
            for w, i in zip(s or (), n or (), strict=True)
        }
        assert len({w for w, _ in pairs}) == len({i for _, i in pairs}) == len(pairs)


def test_texts_hold_the_tokens_and_the_first_given_and_surname() -> None:
    names = _names(("GARCIA MARQUEZ", "JOSE LUIS"), ("UNKNOWN", "FNU"))
    columns = name_match_columns(names)
    tokens = names.column("name_tokens").to_pylist()
    assert columns["name_token_text"].to_pylist()[0] == " ".join(tokens[0])
    assert columns["name_first_given"].to_pylist() == [
        names.column("name_given_tokens")[0][0].as_py(),
        None,
    ]
    assert (
        columns["name_first_surname"].to_pylist()[0]
        == names.column("name_surname_tokens")[0][0].as_py()
    )
    # A placeholder name gives no tokens: nothing to spell against.
    assert columns["name_token_text"].to_pylist()[1] == ""


def test_a_token_with_a_space_would_split_differently_and_is_refused() -> None:
    names = _names(("GARCIA", "JOSE"))
    spaced = pa.array([["JOSE", "DE LA"]], LISTS)
    with pytest.raises(ValueError, match="holds a space"):
        name_match_columns(
            names.set_column(names.schema.get_field_index("name_tokens"), "name_tokens", spaced)
        )


def test_a_slice_and_a_null_list_keep_their_rows() -> None:
    lists = pa.array([["A", "B"], None, [], ["B"]], LISTS)
    ids = name_columns._list_ids(lists, WordIds())
    assert [None if v is None else len(v) for v in ids.to_pylist()] == [2, None, 0, 1]
    assert ids.to_pylist()[0][1] == ids.to_pylist()[3][0]
    assert name_columns._list_ids(lists.slice(1), WordIds()).to_pylist() == ids.to_pylist()[1:]


def test_known_words_keep_their_ids_and_a_new_word_never_takes_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every word hashes alike: only the salt tells them apart.
    monkeypatch.setattr(name_columns, "_hash_id", lambda _word, salt: salt)
    index = WordIds()
    index.ids(["GARCIA", "JOSE"])
    known = index.table()
    batch = WordIds.from_table(known)
    ids = batch.ids(["JOSE", "GRACIA", "GARCIA", "GRACIA"])
    by_word = dict(
        zip(known.column("word").to_pylist(), known.column("id").to_pylist(), strict=True)
    )
    assert [ids[0], ids[2]] == [by_word["JOSE"], by_word["GARCIA"]]
    assert ids[1] == ids[3]
    assert ids[1] not in by_word.values()
    with pytest.raises(ValueError, match="not distinct"):
        WordIds({"A": 1, "B": 1})


def _name_levels(requests: pa.Table, taxpayers: pa.Table, pairs: pa.Table) -> list[int]:
    with DuckDBEngine(threads=1) as engine:
        engine.register("req", requests)
        engine.register("tp", taxpayers)
        tins = taxpayers.column("tin").to_pylist()
        for name, table in address_tables(
            pa.Table.from_pylist([{**standardize_address(*ADDRESS_OF_RECORD), "form_id": 0}]),
            tins,
            [0] * len(tins),
        ).items():
            engine.register(name, table)
        engine.register("restr", NO_RESTRICTIONS)
        engine.register("pairs", pairs)
        engine.run(comparison_steps(on=date(2025, 6, 27)))
        return (
            engine.arrow("SELECT name_level FROM compared ORDER BY request_key, tin")
            .column(0)
            .to_pylist()
        )


def _tables(
    requests: list[dict[str, object]], taxpayers: list[dict[str, object]]
) -> tuple[pa.Table, pa.Table]:
    def dated(rows: list[dict[str, object]], *columns: str) -> pa.Table:
        table = pa.Table.from_pylist(rows)
        for column in columns:
            table = table.append_column(column, pa.nulls(len(rows), pa.date32()))
        return table

    return (
        with_name_match_columns(dated(requests, "dob", "dob_aside")),
        with_name_match_columns(dated(taxpayers, "date_of_birth")),
    )


def test_colliding_hashes_change_no_level_once_the_index_words_are_shared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requests, taxpayers, pairs = _all_pairs()
    req_plain, tp_plain = _tables(requests, taxpayers)
    plain = _name_levels(req_plain, tp_plain, pairs)
    assert len(plain) == len(NAMES) ** 2 * 2
    assert set(plain) == set(range(len(NAME.levels)))

    # Every word's hash collides with every other's: the salts alone give the ids.
    monkeypatch.setattr(name_columns, "_hash_id", lambda _word, salt: salt)
    index = WordIds()
    tp = with_name_match_columns(tp_plain, index)
    req = with_name_match_columns(req_plain, WordIds.from_table(index.table()))
    assert _name_levels(req, tp, pairs) == plain
