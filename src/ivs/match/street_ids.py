"""Integer ids of the streets of the address forms, for blocking to compare streets, not forms."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["StreetIds"]


class StreetIds:
    """Ids of the (street name, suffix) pairs of the address forms, numbered from 0 as first
    met: blocking compares two streets once, however many address forms share them."""

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
        distinct, at = np.unique(keys, return_inverse=True)
        name_values = names.dictionary.to_pylist()
        suffix_values = [*kinds.dictionary.to_pylist(), None]
        ids = [
            None
            if key < 0
            else self._ids.setdefault(
                (name_values[key // width], suffix_values[key % width]), len(self._ids)
            )
            for key in distinct.tolist()
        ]
        return pc.take(pa.array(ids, pa.int64()), pa.array(at))

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
