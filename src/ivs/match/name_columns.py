"""The columns the name comparisons read: token masks, tokens as integer ids, typo texts.

Standardization gives a name's tokens and keys as lists of strings. Comparing and copying
lists of strings for millions of candidate pairs is what costs most in matching, so the
comparisons read them as lists of 64-bit ids instead, one id per distinct string: equal
strings have equal ids and (see ``WordIds``) different strings different ids, so every test
of equality, overlap, order-free equality or count gives on the ids what it gives on the
strings. Only the typo level measures spelling; it reads the tokens as one space-joined text
and the first given name and first surname as plain strings (``TEXT_COLUMNS``), scalars that
cost little to carry.

An id is the first eight bytes of BLAKE2b of the string, so a request and a taxpayer get the
same ids without sharing anything, in any engine. Two strings with the same hash would compare
equal; ``WordIds`` rules that out where both sides meet: the index keeps every taxpayer word
with its id (``name_words.parquet``), and a request's word that is not among them but hashes
to one of their ids (or to another request word's) is given another id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ivs.match.name_masks import MASK_COLUMNS, name_masks

__all__ = [
    "FIRST_ID_COLUMNS",
    "ID_COLUMNS",
    "MATCH_COLUMNS",
    "TEXT_COLUMNS",
    "WordIds",
    "name_match_columns",
    "with_name_match_columns",
]

# Id column -> the list of strings it stands for.
ID_COLUMNS: dict[str, str] = {
    "name_token_ids": "name_tokens",
    "name_surname_token_ids": "name_surname_tokens",
    "name_given_token_ids": "name_given_tokens",
    "name_given_key_ids": "name_given_keys",
    "name_first_key_ids": "name_first_keys",
    "name_surname_key_ids": "name_surname_keys",
}
# Scalar id column -> the list whose first id it holds (null for an empty list): equality of
# first tokens without reading a list.
FIRST_ID_COLUMNS: dict[str, str] = {
    "name_first_given_id": "name_given_token_ids",
    "name_first_surname_id": "name_surname_token_ids",
}
# Text column -> what it holds, for the typo level's spelling tests.
TEXT_COLUMNS: dict[str, str] = {
    "name_token_text": "the tokens joined by single spaces (tokens hold no space)",
    "name_first_given": "the first given token",
    "name_first_surname": "the first surname token",
}
# Every column name_match_columns makes.
MATCH_COLUMNS: tuple[str, ...] = (*MASK_COLUMNS, *ID_COLUMNS, *FIRST_ID_COLUMNS, *TEXT_COLUMNS)
_IDS = pa.list_(pa.int64())


def _hash_id(word: str, salt: int) -> int:
    data = word.encode("utf-8") if salt == 0 else f"{salt}\0{word}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


class WordIds:
    """Ids of words, distinct for distinct words: ``known`` ones keep theirs (the index's),
    any other gets its hash, or a salted hash where that id is already some other word's."""

    def __init__(self, known: Mapping[str, int] | None = None) -> None:
        self._ids: dict[str, int] = dict(known or {})
        self._taken = set(self._ids.values())
        if len(self._taken) != len(self._ids):
            raise ValueError("the known word ids are not distinct")

    def ids(self, words: Iterable[str]) -> np.ndarray:
        """The id of each word, giving new words ids of their own."""
        out = []
        for word in words:
            found = self._ids.get(word)
            if found is None:
                salt = 0
                found = _hash_id(word, salt)
                while found in self._taken:
                    salt += 1
                    found = _hash_id(word, salt)
                self._ids[word] = found
                self._taken.add(found)
            out.append(found)
        return np.array(out, dtype=np.int64)

    def table(self) -> pa.Table:
        """Every word given an id so far: (word, id), sorted by word."""
        words = sorted(self._ids)
        return pa.table(
            {"word": pa.array(words, pa.string()), "id": pa.array([self._ids[w] for w in words])}
        )

    @classmethod
    def from_table(cls, table: pa.Table) -> WordIds:
        words, ids = table.column("word").to_pylist(), table.column("id").to_pylist()
        return cls(dict(zip(words, ids, strict=True)))

    @classmethod
    def read(cls, path: Path) -> WordIds:
        """The ids of a words file as :meth:`table` gives them (an index's ``name_words``)."""
        return cls.from_table(pq.read_table(path))


def _list_ids(lists: pa.Array, words: WordIds) -> pa.Array:
    """A list<string> column as list<int64>: each string replaced by its id."""
    flat = pc.list_flatten(lists)
    encoded = flat.dictionary_encode()
    per_word = words.ids(encoded.dictionary.to_pylist())
    indices = encoded.indices
    if indices.null_count:
        raise ValueError("a name token list holds a null")
    values = pa.array(per_word[np.asarray(indices.to_numpy(zero_copy_only=False))], pa.int64())
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    offsets = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=_IDS, mask=pc.is_null(lists))


def _first(lists: pa.Array) -> pa.Array:
    """The first value of each list; null for an empty or null list."""
    value_type = lists.type.value_type
    present = pc.greater(pc.fill_null(pc.list_value_length(lists), 0), 0)
    # A stand-in value where the list is empty, so that the element can be taken everywhere.
    safe = pc.if_else(present, lists, pa.scalar([None], lists.type))
    return pc.if_else(present, pc.list_element(safe, 0), pa.scalar(None, value_type))


def name_match_columns(names: pa.Table, words: WordIds | None = None) -> dict[str, pa.Array]:
    """The masks (name_masks.py), id lists (``ID_COLUMNS``) and texts (``TEXT_COLUMNS``) of a
    table of standardized names; ``words`` gives the ids (by default, each word's hash)."""
    words = words or WordIds()
    columns: dict[str, pa.Array] = dict(name_masks(names))

    def source(name: str) -> pa.Array:
        column = names.column(name)
        return column.combine_chunks() if column.num_chunks else pa.array([], column.type)

    for id_column, list_column in ID_COLUMNS.items():
        columns[id_column] = _list_ids(source(list_column), words)
    for first_column, list_column in FIRST_ID_COLUMNS.items():
        columns[first_column] = _first(columns[list_column])
    tokens = source("name_tokens")
    # The typo level splits the text on spaces: standardization makes words without one.
    if pc.any(pc.match_substring(pc.list_flatten(tokens), " ")).as_py():
        raise ValueError("a standardized name token holds a space")
    columns["name_token_text"] = pc.binary_join(tokens, " ")
    columns["name_first_given"] = _first(source("name_given_tokens"))
    columns["name_first_surname"] = _first(source("name_surname_tokens"))
    return columns


def with_name_match_columns(names: pa.Table, words: WordIds | None = None) -> pa.Table:
    """``names`` with the columns of :func:`name_match_columns` appended (or replaced)."""
    for name, column in name_match_columns(names, words).items():
        if name in names.column_names:
            names = names.drop_columns([name])
        names = names.append_column(name, column)
    return names
