"""Integer ids of the streets of the address forms, for blocking to compare streets, not forms."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["StreetIds"]


class StreetIds:
    """Ids of the (street name, suffix) pairs of the address forms, numbered from 0 in the
    order the forms first meet them: blocking compares two streets once, however many address
    forms share them."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str | None], int] = {}

    def ids(self, street_names: pa.ChunkedArray, suffixes: pa.ChunkedArray) -> pa.Array:
        """Each form's street id (null where it has no street name)."""
        names = street_names.combine_chunks().dictionary_encode()
        kinds = suffixes.combine_chunks().dictionary_encode()
        # One integer per (name, suffix) pair of dictionary positions; a null suffix is the
        # position after the last.
        width = len(kinds.dictionary) + 1
        name_at = names.indices.to_numpy(zero_copy_only=False)
        suffix_at = pc.fill_null(kinds.indices, width - 1).to_numpy(zero_copy_only=False)
        has_name = pc.is_valid(names.indices).to_numpy(zero_copy_only=False)
        keys = np.where(has_name, np.nan_to_num(name_at).astype(np.int64) * width + suffix_at, -1)
        distinct, first, at = np.unique(keys, return_index=True, return_inverse=True)
        name_values = names.dictionary.to_pylist()
        suffix_values = [*kinds.dictionary.to_pylist(), None]
        ids = np.full(len(distinct), -1, dtype=np.int64)
        # New streets numbered in the order the rows first meet them, so that an index built
        # in slices of any size numbers them alike.
        for position in np.argsort(first, kind="stable").tolist():
            key = int(distinct[position])
            if key >= 0:
                street = (name_values[key // width], suffix_values[key % width])
                ids[position] = self._ids.setdefault(street, len(self._ids))
        taken = pc.take(pa.array(ids), pa.array(at))
        return pc.if_else(pc.equal(taken, -1), pa.scalar(None, pa.int64()), taken)

    def table(self) -> pa.Table:
        """street_id, addr_street_name, addr_suffix, by id."""
        streets = sorted(self._ids.items(), key=lambda item: item[1])
        return pa.table(
            {
                "street_id": pa.array([i for _, i in streets], pa.int64()),
                "addr_street_name": pa.array([n for (n, _), _ in streets], pa.string()),
                "addr_suffix": pa.array([x for (_, x), _ in streets], pa.string()),
            }
        )
