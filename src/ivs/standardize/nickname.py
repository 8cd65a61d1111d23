"""Variant-group keys for given names (nicknames) and for names in several romanisations.

A token's keys are the token itself plus every name it may stand for, so two tokens are
variants when their key lists intersect: ``BILL`` → ``BILL, WILLIAM``; ``PEPE`` → ``PEPE, JOSE``;
``MOHAMED`` → ``MOHAMED, MUHAMMAD``. A nickname can stand for several names (``BETO`` →
ALBERTO, ROBERTO, HUMBERTO, NORBERTO), which is why keys are lists and not one value.

Sources: the ``nicknames`` package (English, Apache-2.0) and two tables of ours under
``data/``: ``names_nicknames_es.csv`` (Spanish hypocoristics) and
``names_transliterations.csv`` (romanisation variants). A match through these keys is weaker
evidence than the same written form, and :mod:`ivs.standardize.name_compare` ranks it so.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import nicknames

from ivs.domain.errors import ConfigError
from ivs.standardize.name_text import GIVEN_CONNECTORS, fold

__all__ = ["given_keys", "nickname_table", "surname_keys", "transliteration_table"]

_DATA = "ivs.standardize.data"


def _read_rows(filename: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        text = resources.files(_DATA).joinpath(filename).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(
            f"The name table {filename} cannot be read: {e}. The package data is incomplete; "
            "reinstall ivs."
        ) from e
    rows = list(csv.DictReader(text.splitlines()))
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise ConfigError(
            f"The name table {filename} lacks the columns {missing}; it must have {columns}."
        )
    return rows


def _key(text: str) -> str:
    # Multi-word formal names (JOSE MARIA, MARIA DEL CARMEN) key as one word without
    # connectors, as the given part joins adjacent given tokens.
    found = fold(text).split()
    return "".join([w for w in found if w not in GIVEN_CONNECTORS] or found)


@cache
def nickname_table() -> dict[str, tuple[str, ...]]:
    """Nickname → the formal names it may stand for, English and Spanish, folded."""
    formal_of: dict[str, list[str]] = {}
    for triplet in nicknames.name_triplets():
        if triplet.relationship != "has_nickname":
            continue
        nick, formal = _key(triplet.name2), _key(triplet.name1)
        if nick and formal and nick != formal:
            formal_of.setdefault(nick, []).append(formal)
    for row in _read_rows("names_nicknames_es.csv", ("nickname", "formal", "source")):
        nick, formal = _key(row["nickname"]), _key(row["formal"])
        if nick and formal and nick != formal:
            formal_of.setdefault(nick, []).append(formal)
    return {nick: tuple(dict.fromkeys(formals)) for nick, formals in formal_of.items()}


@cache
def transliteration_table() -> dict[str, dict[str, str]]:
    """For ``given`` and ``surname``: variant spelling → the key of its group."""
    tables: dict[str, dict[str, str]] = {"given": {}, "surname": {}}
    for row in _read_rows("names_transliterations.csv", ("variant", "key", "applies_to", "source")):
        variant, key, applies = _key(row["variant"]), _key(row["key"]), row["applies_to"]
        roles = ("given", "surname") if applies == "both" else (applies,)
        for role in roles:
            if role not in tables:
                raise ConfigError(
                    f"names_transliterations.csv: applies_to {applies!r} for {variant} is not "
                    "given, surname or both."
                )
            tables[role][variant] = key
    return tables


# Vietnamese gender middle names: VAN is no nickname of SULLIVAN, whatever an English table
# says, and THI stands for nothing else.
_NO_EXPANSION = frozenset({"VAN", "THI"})


def given_keys(token: str) -> tuple[str, ...]:
    """The token, the formal names it is a nickname of, and their romanisation keys."""
    if token in _NO_EXPANSION:
        return (token,)
    translit = transliteration_table()["given"]
    keys = [token, *nickname_table().get(token, ())]
    keys += [translit[k] for k in keys if k in translit]
    return tuple(dict.fromkeys(keys))


def surname_keys(token: str) -> tuple[str, ...]:
    """The token and its romanisation key (``CHOE`` → ``CHOE, CHOI``)."""
    key = transliteration_table()["surname"].get(token)
    return (token,) if key is None or key == token else (token, key)
