"""Arrow helpers for the name columns: distinct values with codes, and row-wise list concat.

Names repeat heavily (a few hundred thousand distinct surnames in ten million taxpayers), so
the columnar path works on distinct values and spreads the results back with ``take``; these
helpers do the two array manipulations pyarrow has no single kernel for.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["concat_lists", "distinct_codes", "encode_column", "to_numpy_int"]

IntArray = npt.NDArray[np.int64]


def to_numpy_int(array: pa.Array | pa.ChunkedArray) -> IntArray:
    """An integer Arrow array (no nulls) as an int64 numpy array."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.int64)


def encode_column(column: pa.Array | pa.ChunkedArray) -> tuple[list[str | None], IntArray]:
    """Distinct values of a string column (None last) and each row's index into them."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.string())
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    encoded = column.dictionary_encode()
    values: list[str | None] = encoded.dictionary.to_pylist()
    null_slot = len(values)
    values.append(None)
    indices = to_numpy_int(pc.fill_null(encoded.indices, null_slot))
    return values, indices


def distinct_codes(*codes: tuple[IntArray, int]) -> tuple[IntArray, IntArray]:
    """Distinct combinations of several code columns: (one row per combination, inverse).

    Each argument is ``(codes, cardinality)``. Returns the first row of every distinct
    combination and, for every row, the number of its combination, combinations numbered in
    the order they first appear. Codes are packed pairwise into one int64 after each step's
    own numbering, so the product of cardinalities never overflows. Numbered by hashing
    (Arrow's dictionary encoding), not by sorting: 0.06 s against ``np.unique``'s 0.35 s for
    the given part of 1.28 M names.
    """
    combined: IntArray | None = None
    for column, cardinality in codes:
        if combined is None:
            combined = column
            continue
        width = int(cardinality) + 1
        combined = _first_appearance_codes(combined) * width + column
    if combined is None:
        raise ValueError("distinct_codes needs at least one column")
    inverse = _first_appearance_codes(combined)
    if not len(inverse):
        return np.zeros(0, dtype=np.int64), inverse
    # Numbered in order of first appearance, a row is its combination's first exactly where
    # the running maximum of the numbers rises.
    running = np.maximum.accumulate(inverse)
    rises = np.concatenate(([True], running[1:] > running[:-1]))
    return np.flatnonzero(rises).astype(np.int64), inverse


def _first_appearance_codes(values: IntArray) -> IntArray:
    """Each value's number among the distinct values, numbered as they first appear."""
    encoded = pa.array(values, pa.int64()).dictionary_encode()
    return to_numpy_int(encoded.indices)


def concat_lists(left: pa.Array, right: pa.Array) -> pa.Array:
    """Row-wise concatenation of two list<string> arrays of equal length (no null lists)."""
    n = len(left)
    left_lengths = to_numpy_int(pc.fill_null(pc.list_value_length(left), 0))
    right_lengths = to_numpy_int(pc.fill_null(pc.list_value_length(right), 0))
    left_values = pc.list_flatten(left)
    right_values = pc.list_flatten(right)
    out_lengths = left_lengths + right_lengths
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(out_lengths, out=offsets[1:])
    # Destination of every flattened element: its row's output start plus its rank within
    # the row (right-hand elements also skip the row's left-hand ones).
    rows_left = np.repeat(np.arange(n, dtype=np.int64), left_lengths)
    rank_left = np.arange(len(left_values), dtype=np.int64) - np.repeat(
        np.cumsum(left_lengths) - left_lengths, left_lengths
    )
    rows_right = np.repeat(np.arange(n, dtype=np.int64), right_lengths)
    rank_right = np.arange(len(right_values), dtype=np.int64) - np.repeat(
        np.cumsum(right_lengths) - right_lengths, right_lengths
    )
    order = np.empty(int(offsets[-1]), dtype=np.int64)
    order[offsets[rows_left] + rank_left] = np.arange(len(left_values), dtype=np.int64)
    order[offsets[rows_right] + left_lengths[rows_right] + rank_right] = len(
        left_values
    ) + np.arange(len(right_values), dtype=np.int64)
    values = pa.concat_arrays(
        [left_values.cast(pa.large_string()), right_values.cast(pa.large_string())]
    )
    taken = values.take(pa.array(order)).cast(pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), taken)
