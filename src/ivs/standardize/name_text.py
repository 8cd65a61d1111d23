"""Name text to canonical words: folding, punctuation, particles, suffixes and placeholders.

Everything here works on one field value at a time and is called once per *distinct* value
(the columnar path in :mod:`ivs.standardize.name` deduplicates first), so plain Python is
fast enough and keeps the rules readable.

Canonical text is upper-case ASCII where the input was Latin script: NFKD decomposition with
combining marks dropped (``TRẦN`` → ``TRAN``, ``MUÑOZ`` → ``MUNOZ``), plus the few Latin letters
NFKD leaves alone (``Đ``, ``Ø``, ``Ł``, ``ß``, ...). Letters of other scripts are kept, upper-cased
where the script has case, so that a name in Cyrillic still compares with itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "GIVEN_CONNECTORS",
    "MAX_TOKENS",
    "MAX_TOKEN_LENGTH",
    "PARTICLES",
    "SUFFIXES",
    "GivenField",
    "SurnameField",
    "fold",
    "fold_full",
    "normalize_suffix",
    "parse_given",
    "parse_surname",
    "words",
]

# A field longer than this many words or a word longer than this is not a name; the rest is
# cut so that a 1 MB field costs no more than a short one (intake rejects such fields anyway).
MAX_TOKENS = 12
MAX_TOKEN_LENGTH = 40
_MAX_RAW_CHARS = 4 * MAX_TOKENS * MAX_TOKEN_LENGTH

# Letters NFKD does not decompose, and ligatures it leaves whole.
_LATIN_EXTRA = str.maketrans(
    {
        "Đ": "D",
        "đ": "D",
        "Ð": "D",
        "ð": "D",
        "Ø": "O",
        "ø": "O",
        "Ł": "L",
        "ł": "L",
        "ß": "SS",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "AE",
        "Œ": "OE",
        "œ": "OE",
        "Þ": "TH",
        "þ": "TH",
        "ı": "I",
        "Ħ": "H",
        "ħ": "H",
        "Ŧ": "T",
        "ŧ": "T",
    }
)
# Apostrophes join (O'BRIEN → OBRIEN, D'ANGELO → DANGELO); every other non-alphanumeric
# character separates words, so GARCIA-MARQUEZ, GARCIA MARQUEZ and GARCIA/MARQUEZ agree.
_APOSTROPHES = re.compile("['\u2019\u2018\u02bc\u02bb`\u00b4]")

# Surname particles, joined to the word that follows (DE LA CRUZ → DELACRUZ). Filipino
# DELA/DELOS/DELAS and Italian DELLA are the same particles written solid.
PARTICLES: frozenset[str] = frozenset(
    {
        "DE",
        "DEL",
        "DELA",
        "DELAS",
        "DELOS",
        "DELLA",
        "LA",
        "LAS",
        "LOS",
        "LE",
        "DI",
        "DA",
        "DAS",
        "DOS",
        "DO",
        "DU",
        "DES",
        "VAN",
        "VON",
        "DER",
        "DEN",
        "TER",
        "TEN",
        "BIN",
        "BINT",
        "BINTI",
        "IBN",
        "BEN",
        "ABU",
        "AL",
        "EL",
        "ST",
        "STE",
        "SAINT",
        "SAN",
        "SANTA",
        "MC",
        "MAC",
        "O",
    }
)
# The Spanish conjunction between paternal and maternal surnames (GARCIA Y MARQUEZ).
_CONJUNCTION = "Y"
# Connectors dropped from the *tokens* of a given name (MARIA DE LOS ANGELES → MARIA,
# ANGELES); VAN in a given name is Vietnamese (NGUYEN VAN ANH), not a particle, so it stays.
GIVEN_CONNECTORS: frozenset[str] = frozenset({"DE", "DEL", "DELA", "LA", "LAS", "LOS", "Y"})

# Canonical generational suffixes. V is a suffix only in the last-name or suffix field: in a
# given name it is far more often a middle initial.
SUFFIXES: tuple[str, ...] = ("JR", "SR", "II", "III", "IV", "V")
_SUFFIX_FORMS: dict[str, str] = {
    "JR": "JR",
    "JNR": "JR",
    "JUNIOR": "JR",
    "SR": "SR",
    "SNR": "SR",
    "SENIOR": "SR",
    "II": "II",
    "2ND": "II",
    "2": "II",
    "III": "III",
    "3RD": "III",
    "3": "III",
    "IV": "IV",
    "4TH": "IV",
    "4": "IV",
    "V": "V",
    "5TH": "V",
    "5": "V",
}
# Forms recognised at the end of a given name: never bare digits or V.
_GIVEN_SUFFIX_FORMS = frozenset({"JR", "JNR", "SR", "SNR", "II", "2ND", "III", "3RD", "IV", "4TH"})
_SURNAME_SUFFIX_FORMS = frozenset(_SUFFIX_FORMS) - {"2", "3", "4", "5", "JUNIOR", "SENIOR"}

# Whole-field placeholders (compared after folding and punctuation removal: N/A → N A).
_PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "UNKNOWN",
        "UNKOWN",
        "UNK",
        "UNKN",
        "NONE",
        "N A",
        "NULL",
        "NIL",
        "FNU",
        "LNU",
        "NFN",
        "NLN",
        "NMN",
        "TEST",
        "TESTING",
        "NO NAME",
        "NONAME",
        "NAME",
        "NOT PROVIDED",
        "NOT GIVEN",
        "NOT AVAILABLE",
        "UNAVAILABLE",
        "REFUSED",
        "TBD",
        "BABY",
        "BABY BOY",
        "BABY GIRL",
    }
)
_REPEATED_LETTER = re.compile(r"^(X+|Z+)$|^([A-Z])\2{2,}$")
# JOHN DOE / JANE DOE: DOE is a real surname, but with these given names it is the
# conventional name for an unidentified person.
DOE_GIVEN: frozenset[str] = frozenset({"JOHN", "JANE", "JOHNNY", "JANIE", "RICHARD", "BABY"})


_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014")


# ASCII letters, digits and spaces: every step of ``fold`` but upper case and spacing leaves
# such text unchanged, and nearly every name is written this way.
_PLAIN_ASCII = re.compile("[A-Za-z0-9 ]*")


def fold(text: str, *, keep_hyphens: bool = False) -> str:
    """Upper-case, diacritics dropped, punctuation to single spaces; idempotent.

    With ``keep_hyphens`` a hyphen between words survives as ``-`` (the IRS name control
    keeps it: ``LEE-SMITH`` → ``LEE-``); otherwise it separates words like a space.
    """
    text = text[:_MAX_RAW_CHARS]
    if _PLAIN_ASCII.fullmatch(text):
        return " ".join(text.upper().split())
    return fold_full(text, keep_hyphens=keep_hyphens)


# A colon or a bar between two letters is a scanned I (FA:TH, WILL|AM): no name is written so.
_MISREAD_I = re.compile(r"(?<=[^\W\d_])[:|](?=[^\W\d_])")


def fold_full(text: str, *, keep_hyphens: bool = False) -> str:
    """Every step of :func:`fold` on any text: the definition its shortcut must agree with."""
    text = _MISREAD_I.sub("I", text[:_MAX_RAW_CHARS]).translate(_LATIN_EXTRA)
    decomposed = _APOSTROPHES.sub("", unicodedata.normalize("NFKD", text).translate(_LATIN_EXTRA))
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        if ch.isalnum():
            kept.append(ch)
        elif keep_hyphens and ch in _HYPHENS:
            kept.append("-")
        else:
            kept.append(" ")
    upper = "".join(kept).upper()
    # upper() can expand a letter into a base and a combining mark in a few scripts; one
    # more pass keeps fold idempotent.
    if not upper.isascii():
        upper = "".join(
            c if c.isalnum() or (keep_hyphens and c == "-") else " "
            for c in unicodedata.normalize("NFKD", upper.translate(_LATIN_EXTRA))
            if not unicodedata.combining(c)
        ).upper()
    if keep_hyphens:
        upper = re.sub(r"\s*-[-\s]*", "-", upper).strip("- ")
        upper = re.sub(r"(^|\s)-+|-+(\s|$)", " ", upper)
    return " ".join(upper.split())


def words(text: str | None) -> list[str]:
    """Folded words of a field, bounded in count and length."""
    if text is None:
        return []
    return [w[:MAX_TOKEN_LENGTH] for w in fold(text).split()[:MAX_TOKENS]]


def normalize_suffix(text: str | None) -> str | None:
    """The canonical suffix a suffix field holds (``Jr.`` → ``JR``, ``2nd`` → ``II``), or None."""
    found = words(text)
    if len(found) != 1:
        return None
    return _SUFFIX_FORMS.get(found[0])


def _is_placeholder_text(joined: str) -> bool:
    return joined in _PLACEHOLDERS or bool(_REPEATED_LETTER.match(joined))


def _placeholder(raw: str | None, found: list[str], *, single_letter: bool) -> bool:
    """Whether a field's words are a placeholder rather than a name."""
    if raw is None or not raw.strip():
        return False
    if not found:
        return True  # punctuation only
    joined = " ".join(found)
    if _is_placeholder_text(joined):
        return True
    if all(w.isdigit() for w in found):
        return True
    return single_letter and len(found) == 1 and len(found[0]) == 1


@dataclass(frozen=True, slots=True)
class SurnameField:
    """A last-name field reduced to surname units.

    ``units`` are the surnames as written, particles joined to the next word
    (``DE LA CRUZ`` → ``DELACRUZ``) and the conjunction Y dropped; ``name_control_source``
    is the first unit with its hyphen kept, which the IRS name control is taken from.
    ``words`` are the same words unjoined (for order-free token sets: a Vietnamese
    ``VAN ANH`` put in the last-name field must still meet the given names ``VAN ANH``), and
    ``cores`` the word a true particle group ends in (``DE LA CRUZ`` → ``CRUZ``).
    """

    units: tuple[str, ...]
    suffix: str | None
    present: bool
    placeholder: bool
    name_control_source: str | None
    moved_given: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    cores: tuple[str, ...] = ()


# Prefixes that make one word with what follows: MCDONALD is not a DONALD.
_PREFIXES_WITHOUT_CORE = frozenset({"MC", "MAC", "O", "ST", "STE", "SAINT", "SAN", "SANTA"})


def _join_particles(found: list[str]) -> list[str]:
    return _particle_groups(found)[0]


def _particle_groups(found: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(units with particles joined, words without the conjunction, cores of particle groups)."""
    units: list[str] = []
    kept: list[str] = []
    cores: list[str] = []
    pending: list[str] = []
    for index, word in enumerate(found):
        is_last = index == len(found) - 1
        if word == _CONJUNCTION and units and not pending and not is_last:
            continue  # GARCIA Y MARQUEZ
        kept.append(word)
        if word in PARTICLES and not is_last:
            pending.append(word)
            continue
        if pending and _PREFIXES_WITHOUT_CORE.isdisjoint(pending):
            cores.append(word)
        units.append("".join([*pending, word]))
        pending = []
    if pending:
        units.append("".join(pending))
    return units, kept, cores


def _strip_suffix(found: list[str], forms: frozenset[str]) -> tuple[list[str], str | None]:
    """Trailing suffix words removed (all of them, so the result is a fixed point); the last
    one written is the suffix."""
    suffix = None
    while len(found) >= 2 and found[-1] in forms:
        suffix = suffix or _SUFFIX_FORMS[found[-1]]
        found = found[:-1]
    return found, suffix


def _control_source(text: str) -> str | None:
    """The first surname with its hyphen, as the IRS name control reads it."""
    found = [w[:MAX_TOKEN_LENGTH] for w in fold(text, keep_hyphens=True).split()[:MAX_TOKENS]]
    # A suffix hyphened to the last word (DU-V, SMITH-JR) is a suffix, as parse_surname reads
    # it: the control comes from the surname that is left.
    if found and "-" in found[-1]:
        rest, _, last = found[-1].rpartition("-")
        if rest and last in _SURNAME_SUFFIX_FORMS:
            found = [*found[:-1], rest, last]
    stripped, _ = _strip_suffix(found, _SURNAME_SUFFIX_FORMS)
    units = _join_particles(stripped)
    if not units:
        return None
    head = units[0]
    # A particle written with a hyphen (AL-HASSAN) is the same word as ALHASSAN.
    if "-" in head and head.split("-", 1)[0] in PARTICLES:
        head = head.replace("-", "", 1)
    return head


def parse_surname(raw: str | None, *, given_empty: bool = False) -> SurnameField:
    """Reduce a last-name field to surname units, suffix and placeholder flag.

    When the first-name field is empty and the last name has a comma (``GARCIA, JOSE``), the
    part after the comma is the given name: it comes back in ``moved_given``.
    """
    moved: tuple[str, ...] = ()
    text = raw
    if given_empty and raw is not None and "," in raw:
        head, _, tail = raw.partition(",")
        tail_words = words(tail)
        tail_suffix = [w for w in tail_words if w in _SURNAME_SUFFIX_FORMS]
        tail_given = [w for w in tail_words if w not in _SURNAME_SUFFIX_FORMS]
        if words(head) and tail_given:
            moved = tuple(tail_given)
            text = " ".join([head, *tail_suffix])
    stripped, suffix = _strip_suffix(words(text), _SURNAME_SUFFIX_FORMS)
    placeholder = _placeholder(text, stripped, single_letter=True)
    units, kept, cores = _particle_groups(stripped)
    present = bool(raw is not None and raw.strip())
    control = None if placeholder or text is None else _control_source(text)
    return SurnameField(
        tuple(units), suffix, present, placeholder, control, moved, tuple(kept), tuple(cores)
    )


@dataclass(frozen=True, slots=True)
class GivenField:
    """A first- or middle-name field reduced to given-name words.

    ``words`` keep connectors for display (``MARIA DE LOS ANGELES``); ``tokens`` drop them
    for comparison (``MARIA``, ``ANGELES``).
    """

    words: tuple[str, ...]
    tokens: tuple[str, ...]
    suffix: str | None
    present: bool
    placeholder: bool
    initial_only: bool = False


def parse_given(raw: str | None, *, middle: bool = False) -> GivenField:
    """Reduce a given-name field; a middle name that says "none" (NMN, N/A) is empty."""
    stripped, suffix = _strip_suffix(words(raw), _GIVEN_SUFFIX_FORMS)
    placeholder = _placeholder(raw, stripped, single_letter=not middle)
    present = bool(raw is not None and raw.strip())
    if middle and placeholder:
        # NMN, NONE, N/A in a middle name mean "no middle name", not a defective request.
        return GivenField((), (), None, False, False)
    if placeholder:
        # A lone initial is a defective request but still evidence against the master file.
        initial = len(stripped) == 1 and len(stripped[0]) == 1 and stripped[0].isalpha()
        return GivenField(tuple(stripped), tuple(stripped), suffix, present, True, initial)
    tokens = [w for w in stripped if w not in GIVEN_CONNECTORS] or stripped
    return GivenField(tuple(stripped), tuple(tokens), suffix, present, False)
