"""Phonetic blocking keys: a Spanish spelling fold, then NYSIIS or Metaphone (jellyfish).

Neither NYSIIS nor Metaphone knows Spanish spelling, so JAVIER/XAVIER or GONZALEZ/GONSALES
get different codes. The fold rewrites only spellings that Spanish pronounces the same
(seseo and the old orthography), before the phonetic coder runs:

- initial X before a vowel → J (XAVIER, XIMENEZ: the pre-1815 spelling of J);
  G before E or I → J (GIMENEZ = JIMENEZ);
- initial F before a vowel → H (FERNANDEZ/HERNANDEZ: Old Spanish initial F became H;
  the two spellings of these surnames still alternate);
- Z → S, C before E/I → S (seseo: GONZALEZ = GONSALES, VAZQUEZ = VASQUEZ);
- V → B (no distinction in Spanish: VELAZQUEZ = BELAZQUEZ);
- LL → Y (yeísmo), QU → K, other hard C → K, H after a consonant other than C or S dropped.

VELASQUEZ and VASQUEZ stay apart: a fold never removes a letter that is pronounced.
Keys are for blocking only (which pairs are compared), never for deciding a match.
"""

from __future__ import annotations

import re

import jellyfish

__all__ = ["metaphone_key", "nysiis_key", "spanish_fold"]

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^X(?=[AEIOU])"), "J"),
    (re.compile(r"G(?=[EI])"), "J"),
    (re.compile(r"^F(?=[AEIOU])"), "H"),
    (re.compile(r"LL"), "Y"),
    (re.compile(r"QU(?=[EI])"), "K"),
    (re.compile(r"Q"), "K"),
    (re.compile(r"C(?=[EI])"), "S"),
    (re.compile(r"C(?!H)"), "K"),
    (re.compile(r"Z"), "S"),
    (re.compile(r"V"), "B"),
    (re.compile(r"PH"), "F"),
    (re.compile(r"(?<=[BDFGJKLMNPRTY])H"), ""),
)
_ASCII_LETTERS = re.compile(r"^[A-Z]+$")


def spanish_fold(token: str) -> str:
    """The token with Spanish-equivalent spellings unified (upper-case ASCII in and out)."""
    for pattern, replacement in _RULES:
        token = pattern.sub(replacement, token)
    return token


def nysiis_key(token: str) -> str | None:
    """NYSIIS of the Spanish-folded token; None when the token is not Latin letters."""
    if not _ASCII_LETTERS.match(token):
        return None
    return str(jellyfish.nysiis(spanish_fold(token)))


def metaphone_key(token: str) -> str | None:
    """Metaphone of the Spanish-folded token; None when the token is not Latin letters."""
    if not _ASCII_LETTERS.match(token):
        return None
    return str(jellyfish.metaphone(spanish_fold(token)))
