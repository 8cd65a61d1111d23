"""Jaro–Winkler and Damerau–Levenshtein as plain Spark SQL, equal to DuckDB's bit for bit.

Spark SQL has no Jaro–Winkler and no Damerau–Levenshtein. A Python UDF would move every pair
through a Python worker, and a JVM UDF is a jar to build and ship; so the two measures are
written here as expressions of Spark's higher-order functions (``aggregate``, ``transform``,
``filter``, ``sequence``), which run inside the executors like any other expression.

They reproduce DuckDB's ``jaro_winkler_similarity`` and ``damerau_levenshtein`` exactly:

- both work on characters (Unicode code points), as DuckDB 2 does: ``é`` against ``e`` is one
  edit, and a combining accent is a character of its own. (DuckDB 1 counted UTF-8 bytes; the
  project requires DuckDB 2.)
- Jaro matches each character of the second string, in order, to the first unmatched equal one of
  the first string within ``max(len) / 2 - 1`` positions; similarity
  ``(m/|a| + m/|b| + (m - t/2)/m) / 3`` in that order of floating-point operations; 0 when
  either string is empty or nothing matches;
- Winkler adds ``prefix · 0.1 · (1 - jaro)`` for a common prefix of up to 4 characters, only
  when the Jaro similarity exceeds 0.7, rounded once (DuckDB's build computes that step as a
  fused multiply-add; ``_fused_multiply_add`` does the same exactly);
- Damerau–Levenshtein is the unrestricted distance (Lowrance–Wagner: a transposed pair may
  have edits between its letters), so ``CA`` to ``ABC`` is 2, not 3 as in optimal string
  alignment.

``ivs_levenshtein`` is Spark's own ``levenshtein``, which counts characters as DuckDB does.
``expand_spark_functions`` rewrites the calls ``ivs_jaro_winkler(a, b)``,
``ivs_damerau_levenshtein(a, b)`` and ``ivs_levenshtein(a, b)`` (named in
``comparisons.FUNCTIONS``) inside a SQL text into these expressions; ``comparisons.level_sql``
applies it to the Spark dialect's levels, so the engine receives plain Spark SQL.
"""

from __future__ import annotations

import re

from ivs.domain.errors import ConfigError

__all__ = [
    "SPARK_STRING_FUNCTIONS",
    "damerau_levenshtein_sql",
    "expand_spark_functions",
    "jaro_winkler_sql",
    "levenshtein_sql",
]


def _chars(text: str) -> str:
    # The characters of a non-empty string, as an array (callers rule out the empty string).
    return f"transform(sequence(1, length({text})), _k -> substring({text}, _k, 1))"


def _let(bindings: dict[str, str], body: str, var: str) -> str:
    """Bind names to values once, for use in ``body`` (as ``var.name``): a one-element array
    mapped by a lambda, since Spark SQL has no LET."""
    fields = ", ".join(f"'{name}', {value}" for name, value in bindings.items())
    return f"element_at(transform(array(named_struct({fields})), {var} -> {body}), 1)"


def _fused_multiply_add(weight: str, sim: str) -> str:
    """``weight * (1 - sim) + sim`` rounded once, as DuckDB's compiled Winkler step is.

    Exact in integers: for ``sim`` in (0.7, 1] and ``weight`` one of 0.1, 0.2, 0.3, 0.4 (as
    doubles), ``sim = S·2^-53``, ``1 - sim = D·2^-53`` (exact) and ``weight = P·2^-56`` with
    integers S, D, P; so the exact result is ``(P·D + S·2^56)·2^-109``, an integer below 2^110
    that DECIMAL(38, 0) holds. Its conversion to DOUBLE is the one rounding (Java's BigDecimal
    conversion rounds correctly), and scaling by 2^-109 is exact.
    """
    big = "DECIMAL(38, 0)"
    s_int = f"CAST(CAST({sim} * CAST(9007199254740992 AS DOUBLE) AS BIGINT) AS {big})"
    d_int = (
        f"CAST(CAST((CAST(1 AS DOUBLE) - {sim}) * CAST(9007199254740992 AS DOUBLE) AS BIGINT) "
        f"AS {big})"
    )
    p_int = f"CAST(CAST(({weight}) * CAST(72057594037927936 AS DOUBLE) AS BIGINT) AS {big})"
    exact = f"({p_int} * {d_int} + {s_int} * CAST(72057594037927936 AS {big}))"
    return f"CAST({exact} AS DOUBLE) * CAST('1.5407439555097887E-33' AS DOUBLE)"


def jaro_winkler_sql(a: str, b: str) -> str:
    """Spark SQL for DuckDB's ``jaro_winkler_similarity(a, b)``."""
    # _s.p / _s.t: the characters of a and b as arrays of one-character strings; _s.np, _s.nt
    # their lengths; _s.w the match window. Each character _j of b, in order, takes the first
    # unmatched equal character of a within the window: _m.ps are the matched positions of a
    # (in b's order), _m.ts those of b.
    matches = (
        "aggregate(sequence(0, least(_s.nt, _s.np + _s.w) - 1), "
        "named_struct('ps', array_repeat(0, 0), 'ts', array_repeat(0, 0)), "
        "(_acc, _j) -> element_at(transform(array(array_min(filter("
        "sequence(greatest(0, _j - _s.w), least(_s.np - 1, _j + _s.w)), "
        "_i -> _s.p[_i] = _s.t[_j] AND NOT array_contains(_acc.ps, _i)))), "
        "_c -> IF(_c IS NULL, _acc, named_struct('ps', concat(_acc.ps, array(_c)), "
        "'ts', concat(_acc.ts, array(_j))))), 1))"
    )
    # A transposition: the k-th matched character of a (in a's order) differs from b's k-th.
    transpositions = (
        "size(filter(sequence(0, size(_m.ps) - 1), "
        "_k -> _s.p[array_sort(_m.ps)[_k]] <> _s.t[_m.ts[_k]])) DIV 2"
    )
    common = "CAST(size(_m.ps) AS DOUBLE)"
    jaro = (
        f"IF(size(_m.ps) = 0, CAST(0 AS DOUBLE), "
        f"({common} / CAST(_s.np AS DOUBLE) + {common} / CAST(_s.nt AS DOUBLE) "
        f"+ ({common} - CAST({transpositions} AS DOUBLE)) / {common}) / CAST(3 AS DOUBLE))"
    )
    prefix = (
        "coalesce(array_min(filter(sequence(0, least(_s.np, _s.nt, 4) - 1), "
        "_k -> _s.p[_k] <> _s.t[_k])), least(_s.np, _s.nt, 4))"
    )
    winkler = _let(
        {"sim": jaro},
        f"IF(_r.sim > CAST(0.7 AS DOUBLE), "
        f"{_fused_multiply_add(f'CAST({prefix} AS DOUBLE) * CAST(0.1 AS DOUBLE)', '_r.sim')}, "
        "_r.sim)",
        "_r",
    )
    per_pair = f"element_at(transform(array({matches}), _m -> {winkler}), 1)"
    body = _let(
        {
            "p": _chars("_x.a"),
            "t": _chars("_x.b"),
            "np": "length(_x.a)",
            "nt": "length(_x.b)",
            "w": "greatest(CAST(greatest(length(_x.a), length(_x.b)) DIV 2 AS INT) - 1, 0)",
        },
        per_pair,
        "_s",
    )
    return (
        f"CASE WHEN ({a}) IS NULL OR ({b}) IS NULL THEN CAST(NULL AS DOUBLE) "
        f"WHEN ({a}) = '' OR ({b}) = '' THEN CAST(0 AS DOUBLE) "
        f"ELSE {_let({'a': a, 'b': b}, body, '_x')} END"
    )


def damerau_levenshtein_sql(a: str, b: str) -> str:
    """Spark SQL for DuckDB's ``damerau_levenshtein(a, b)`` (unrestricted, over characters)."""
    # Lowrance-Wagner, row by row. _o.rows: the rows of the distance matrix H so far, H[0] =
    # 0..|b|; H[i][j] is the distance between the first i characters of a and the first j of b.
    # For a transposition at (_i, _j): _o.last_row[_j - 1], the last row before _i whose character
    # of a equals b's _j-th, and _w.last_col, the last column before _j in this row whose character
    # of b equals a's _i-th (0: none). Both are carried along, so no cell searches.
    transposition = (
        "IF(_o.last_row[_j - 1] = 0 OR _w.last_col = 0, _s.np + _s.nt, "
        "_o.rows[_o.last_row[_j - 1] - 1][_w.last_col - 1] "
        "+ (_i - _o.last_row[_j - 1] - 1) + 1 + (_j - _w.last_col - 1))"
    )
    cell = (
        "least(_o.rows[_i - 1][_j - 1] + IF(_s.p[_i - 1] = _s.t[_j - 1], 0, 1), "
        f"_w.cells[_j - 1] + 1, _o.rows[_i - 1][_j] + 1, {transposition})"
    )
    row = (
        "aggregate(sequence(1, _s.nt), named_struct('cells', array(_i), 'last_col', 0), "
        f"(_w, _j) -> named_struct('cells', concat(_w.cells, array({cell})), "
        "'last_col', IF(_s.p[_i - 1] = _s.t[_j - 1], _j, _w.last_col)), "
        "_w -> _w.cells)"
    )
    matrix = (
        "aggregate(sequence(1, _s.np), "
        "named_struct('rows', array(sequence(0, _s.nt)), 'last_row', array_repeat(0, _s.nt)), "
        f"(_o, _i) -> named_struct('rows', concat(_o.rows, array({row})), "
        "'last_row', transform(_o.last_row, (_v, _k) -> IF(_s.t[_k] = _s.p[_i - 1], _i, _v))), "
        "_o -> _o.rows[_s.np][_s.nt])"
    )
    body = _let(
        {"p": _chars("_x.a"), "t": _chars("_x.b"), "np": "length(_x.a)", "nt": "length(_x.b)"},
        matrix,
        "_s",
    )
    return (
        f"CASE WHEN ({a}) IS NULL OR ({b}) IS NULL THEN CAST(NULL AS BIGINT) "
        f"WHEN ({a}) = '' THEN CAST(length({b}) AS BIGINT) "
        f"WHEN ({b}) = '' THEN CAST(length({a}) AS BIGINT) "
        f"ELSE CAST({_let({'a': a, 'b': b}, body, '_x')} "
        "AS BIGINT) END"
    )


def levenshtein_sql(a: str, b: str) -> str:
    """Spark SQL for DuckDB's ``levenshtein(a, b)``: Spark's own, which counts characters too."""
    return f"CAST(levenshtein({a}, {b}) AS BIGINT)"


SPARK_STRING_FUNCTIONS = {
    "ivs_jaro_winkler": jaro_winkler_sql,
    "ivs_damerau_levenshtein": damerau_levenshtein_sql,
    "ivs_levenshtein": levenshtein_sql,
}
_CALL = re.compile(r"\b(" + "|".join(SPARK_STRING_FUNCTIONS) + r")\(")


def _arguments(sql: str, start: int) -> tuple[list[str], int]:
    """The comma-separated arguments of a call whose '(' is just before ``start``, and the
    position after its ')'. Quotes and nested parentheses are respected."""
    depth, quote, args, current = 0, "", [], start
    for pos in range(start, len(sql)):
        ch = sql[pos]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                args.append(sql[current:pos].strip())
                return args, pos + 1
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(sql[current:pos].strip())
            current = pos + 1
    raise ConfigError(f"unbalanced parentheses in SQL after position {start}: {sql[:200]}")


def expand_spark_functions(sql: str) -> str:
    """``sql`` with every ``ivs_*`` string function call replaced by its Spark SQL expression
    (innermost calls first, so arguments may themselves hold calls)."""
    while True:
        calls = list(_CALL.finditer(sql))
        if not calls:
            return sql
        # The last call in the text contains no later call: expand it first.
        call = calls[-1]
        args, end = _arguments(sql, call.end())
        if len(args) != 2:
            raise ConfigError(f"{call.group(1)} takes two arguments, got {len(args)}")
        sql = sql[: call.start()] + f"({SPARK_STRING_FUNCTIONS[call.group(1)](*args)})" + sql[end:]
