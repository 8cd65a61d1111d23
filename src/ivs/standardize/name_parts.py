"""The two halves of a standardized name, each computed once per distinct input.

A row's name is its *surname part* (from ``last_name``) joined to its *given part* (from
``first_name`` and ``middle_name``). The columnar path computes each part for every distinct
input and spreads the results over the rows, so these functions are the whole of the
per-value Python work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from ivs.standardize.name_control import name_control
from ivs.standardize.name_text import DOE_GIVEN, GivenField, parse_given, parse_surname
from ivs.standardize.nickname import given_keys, surname_keys
from ivs.standardize.phonetic import metaphone_key, nysiis_key

__all__ = ["GivenPart", "SurnamePart", "given_part", "surname_part"]


@dataclass(frozen=True, slots=True)
class SurnamePart:
    """Everything a row's name takes from its last-name field."""

    name_last: str | None
    words: tuple[str, ...]
    surname_tokens: tuple[str, ...]
    surname_keys: tuple[str, ...]
    phonetic: tuple[str, ...]
    metaphone: tuple[str, ...]
    control: str | None
    suffix: str | None
    present: bool
    placeholder: bool
    is_doe: bool
    is_na: bool
    moved_given: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GivenPart:
    """Everything a row's name takes from its first- and middle-name fields."""

    name_first: str | None
    name_middle: str | None
    given_tokens: tuple[str, ...]
    given_keys: tuple[str, ...]
    first_keys: tuple[str, ...]
    first_initial: str | None
    suffix: str | None
    first_present: bool
    first_placeholder: bool
    doe_given: bool
    first_is_na: bool


def _distinct(values: Sequence[str | None]) -> tuple[str, ...]:
    if len(values) == 1:  # the common case, at a third of the cost
        return (values[0],) if values[0] else ()
    return tuple(dict.fromkeys(filter(None, values)))


@lru_cache(maxsize=1 << 18)
def _surname_token_keys(token: str) -> tuple[tuple[str, ...], str | None, str | None]:
    return surname_keys(token), nysiis_key(token), metaphone_key(token)


# A given part is made per distinct first and middle name together, but a batch's few
# thousand middle names and tens of thousands of first names recur across those pairs.
@lru_cache(maxsize=1 << 18)
def _given_field(raw: str | None, *, middle: bool) -> GivenField:
    return parse_given(raw, middle=middle)


@lru_cache(maxsize=1 << 18)
def _given_token_keys(token: str) -> tuple[str, ...]:
    return given_keys(token)


def surname_part(last: str | None, *, given_empty: bool) -> SurnamePart:
    """Surname part of a last-name field (``given_empty``: the first-name field is empty)."""
    parsed = parse_surname(last, given_empty=given_empty)
    units = parsed.units
    name_last = " ".join(units) or None
    if parsed.placeholder or not units:
        return SurnamePart(
            name_last,
            (),
            (),
            (),
            (),
            (),
            None,
            parsed.suffix,
            parsed.present,
            parsed.placeholder,
            False,
            False,
            parsed.moved_given,
        )
    # A compound (GARCIA MARQUEZ) also matches as one word, as some records write it; a
    # particle group also matches by its last word (DE LA CRUZ recorded as CRUZ).
    joined = ("".join(units),) if len(units) > 1 else ()
    tokens = (*units, *joined, *parsed.cores)
    keys: list[str] = []
    phonetic: list[str | None] = []
    metaphone: list[str | None] = []
    for token in tokens:
        token_keys, nysiis, meta = _surname_token_keys(token)
        keys.extend(token_keys)
        if not joined or token != joined[0]:
            phonetic.append(nysiis)
            metaphone.append(meta)
    return SurnamePart(
        name_last=name_last,
        words=parsed.words,
        surname_tokens=_distinct(list(tokens)),
        surname_keys=_distinct(list(keys)),
        phonetic=_distinct(phonetic),
        metaphone=_distinct(metaphone),
        control=name_control(parsed.name_control_source),
        suffix=parsed.suffix,
        present=parsed.present,
        placeholder=False,
        is_doe=units == ("DOE",),
        is_na=units == ("NA",),
        moved_given=parsed.moved_given,
    )


def given_part(
    first: str | None, middle: str | None, moved_given: tuple[str, ...] = ()
) -> GivenPart:
    """Given part of the first- and middle-name fields (or of a comma-split last name)."""
    first_field = _given_field(" ".join(moved_given) if moved_given else first, middle=False)
    middle_field = _given_field(middle, middle=True)
    name_first = " ".join(first_field.words) or None
    name_middle = " ".join(middle_field.words) or None
    usable = not first_field.placeholder or first_field.initial_only
    usable_first = first_field.tokens if usable else ()
    tokens = usable_first + middle_field.tokens
    keys: list[str] = []
    for token in tokens:
        keys.extend(_given_token_keys(token))
    # A two-word given name also keys as one word: MARIA JOSE = MARIAJOSE, and a nickname of
    # the pair (CHEMA = JOSE MARIA) meets it.
    for left, right in pairwise(usable_first):
        keys.append(left + right)
    first_words = first_field.words
    return GivenPart(
        name_first=name_first,
        name_middle=name_middle,
        given_tokens=_distinct(list(tokens)),
        given_keys=_distinct(keys),
        first_keys=_distinct(_given_token_keys(usable_first[0])) if usable_first else (),
        first_initial=usable_first[0][0] if usable_first else None,
        suffix=first_field.suffix or middle_field.suffix,
        first_present=first_field.present,
        first_placeholder=first_field.placeholder or first_words == ("DOE",),
        doe_given=bool(first_words) and first_words[0] in DOE_GIVEN,
        first_is_na=first_words == ("NA",),
    )
