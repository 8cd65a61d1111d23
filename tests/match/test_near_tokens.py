"""The near-token test's cheap guards never change its answer.

Before the edit distance, ``_NEAR`` checks that the lengths differ by at most one and that the
first or the last letter agree. Those are necessary for one edit or transposition in a token of
four letters or more; this test holds the guarded test to the plain one over many tokens and
their misspellings, in Latin and other scripts (DuckDB's distances count bytes).
"""

from __future__ import annotations

import random

import pyarrow as pa

from ivs.engines import DuckDBEngine
from ivs.match.comparisons import FUNCTIONS, _near_pair

# The test as it stood before the guards, the reference.
PLAIN_NEAR = (
    "(@X = @Y OR (((greatest(length(@X), length(@Y)) >= 4 AND {dlev}(@X, @Y) <= 1) "
    "OR (length(@X) >= 7 AND {dlev}(@X, @Y) <= 2 AND {jw}(@X, @Y) >= 0.9)) "
    "AND NOT (@X <> @Y AND left(@X, length(@X) - 1) = left(@Y, length(@Y) - 1) "
    "AND right(@X, 1) IN ('A', 'O') AND right(@Y, 1) IN ('A', 'O'))))"
)
LETTERS = "AEIOULNRSTMKDHAO" + "ÑÉØß" + "ЖИЯ" + "李王"


def _misspelled(token: str, rng: random.Random) -> str:
    chars = list(token)
    for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
        position = rng.randrange(len(chars) + 1)
        edit = rng.choice(("substitute", "insert", "delete", "transpose"))
        if edit == "insert" or not chars:
            chars.insert(position, rng.choice(LETTERS))
        elif edit == "substitute":
            chars[min(position, len(chars) - 1)] = rng.choice(LETTERS)
        elif edit == "delete":
            del chars[min(position, len(chars) - 1)]
        elif len(chars) >= 2:
            i = min(position, len(chars) - 2)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def _token_pairs(count: int) -> pa.Table:
    rng = random.Random(6103)
    left, right = [], []
    for _ in range(count):
        token = "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 10)))
        left.append(token)
        right.append(_misspelled(token, rng) if rng.random() < 0.9 else token[::-1])
    return pa.table({"x": left, "y": right})


def test_the_guards_never_change_which_tokens_are_near() -> None:
    names = FUNCTIONS["duckdb"]
    guarded = _near_pair("x", "y").format(**names)
    plain = PLAIN_NEAR.replace("@X", "x").replace("@Y", "y").format(**names)
    with DuckDBEngine(threads=1) as engine:
        engine.register("token_pairs", _token_pairs(60_000))
        counts = engine.arrow(
            f"""SELECT count(*) FILTER (WHERE ({guarded}) IS DISTINCT FROM ({plain})) AS differ,
                       count(*) FILTER (WHERE {plain}) AS near,
                       count(*) FILTER (WHERE x <> y AND {plain}) AS near_not_equal
                FROM token_pairs"""
        ).to_pylist()[0]
    assert counts["differ"] == 0
    # The sample holds plenty of near tokens that are not equal, which the guards must let by.
    assert counts["near_not_equal"] > 10_000
