"""64-bit masks of a name's tokens and keys: a scalar test that two names cannot agree.

Most candidate pairs come from address rules (same house number and ZIP code) and share no
name token at all. Every name level but ``other`` needs two names to share a string (a
surname, a key, the whole set of tokens), or the address to match (the typo level). Each
name carries masks with one bit set per token or key (the bit chosen by a stable hash of the
string), so two names that share a string share a bit: where the masks are disjoint, the
pair's name level is ``other`` without reading a single list. The masks are a necessary
condition only; the levels themselves are still decided on the lists.

The hash is CRC-32 of the UTF-8 string, the same in every engine and in the index, so a
mask built at indexing time meets one built at matching time.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["MASK_COLUMNS", "name_masks", "token_mask", "with_name_masks"]

# Mask column -> the list columns whose strings set its bits.
MASK_COLUMNS: dict[str, tuple[str, ...]] = {
    # Equal token sets (the reordered level) give equal masks.
    "name_tokens_mask": ("name_tokens",),
    # Any surname token or key shared (given-and-surname, variant, surname-only levels), or a
    # given key of one side among the surname keys of the other (swapped level).
    "name_surname_mask": ("name_surname_tokens", "name_surname_keys"),
    # Any given key shared (the first given name's keys are among them: variant level).
    "name_given_mask": ("name_given_keys",),
}


def _bits(strings: pa.Array) -> np.ndarray:
    """One set bit (as uint64) per string of ``strings`` (no nulls), by CRC-32 modulo 64."""
    shifts = np.fromiter(
        (zlib.crc32(s.encode("utf-8")) & 63 for s in strings.to_pylist()),
        dtype=np.uint64,
        count=len(strings),
    )
    return np.left_shift(np.uint64(1), shifts)


def token_mask(lists: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per row, the OR of the bits of its list's strings (0 for an empty or null list)."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks() if lists.num_chunks else pa.array([], lists.type)
    rows = len(lists)
    masks = np.zeros(rows, dtype=np.uint64)
    if rows == 0:
        return masks
    lists = pc.fill_null(lists, pa.scalar([], lists.type))
    lengths = np.asarray(pc.list_value_length(lists).to_numpy(zero_copy_only=False))
    values = pc.list_flatten(lists)
    if len(values) == 0:
        return masks
    encoded = values.dictionary_encode()
    per_string = _bits(encoded.dictionary)
    indices = encoded.indices
    value_bits = np.where(
        np.asarray(pc.is_valid(indices).to_numpy(zero_copy_only=False)),
        per_string[np.asarray(pc.fill_null(indices, 0).to_numpy(zero_copy_only=False))],
        np.uint64(0),
    )
    has_values = lengths > 0
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[has_values]
    masks[has_values] = np.bitwise_or.reduceat(value_bits, starts)
    return masks


def name_masks(names: pa.Table) -> dict[str, pa.Array]:
    """The mask columns (``MASK_COLUMNS``) of a table of standardized names, as int64."""
    columns: dict[str, pa.Array] = {}
    for mask_name, sources in MASK_COLUMNS.items():
        combined = np.zeros(names.num_rows, dtype=np.uint64)
        for source in sources:
            combined |= token_mask(names.column(source))
        columns[mask_name] = pa.array(combined.view(np.int64))
    return columns


def with_name_masks(names: pa.Table) -> pa.Table:
    """``names`` with its mask columns appended (or replaced)."""
    for mask_name, mask in name_masks(names).items():
        if mask_name in names.column_names:
            names = names.drop_columns([mask_name])
        names = names.append_column(mask_name, mask)
    return names
