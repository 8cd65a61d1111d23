"""Vectorized cleaning shared by the fast and slow paths: one text form before any parsing.

Both paths parse the output of these functions, so anything they disagree on is parsing, never
cleaning. Every step is a pyarrow.compute kernel (RE2 regexes, utf8 functions) over a column.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ivs.standardize.address_tables import UNIT_DESIGNATORS

__all__ = [
    "MAX_FIELD_CHARS",
    "clean_text",
    "clean_text_full",
    "compact",
    "merge_unit",
    "read_bars_in_house_number",
    "repair_house_number",
    "unit_designator_pattern",
]

# Intake rejects fields over 1,000 characters; cutting earlier bounds the parser's work on
# hostile input (a 1 MB string) without changing any real address.
MAX_FIELD_CHARS = 300


def _alternation(words: list[str]) -> str:
    # Longest first so a prefix never shadows a longer variant in leftmost-first matching.
    return "|".join(sorted((w.replace("#", "\\#") for w in words), key=lambda w: (-len(w), w)))


def unit_designator_pattern() -> str:
    """RE2 alternation of every unit designator variant (and ``#``)."""
    return _alternation(list(UNIT_DESIGNATORS))


# ASCII letters and digits in words one space apart: every step of the full cleaning leaves
# such text as it is but for upper case, and nearly every real field has this form.
_PLAIN = r"^(?:[A-Za-z0-9]+(?: [A-Za-z0-9]+)*)?$"


def clean_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Upper case, diacritics folded, Pub 28 punctuation removed, single spaces; never null.

    Each distinct value is cleaned once, and plain values (:data:`_PLAIN`) are only upper-cased;
    the rest go through every step of :func:`clean_text_full`, which defines the result.
    """
    text = pc.cast(values, pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    encoded = pc.dictionary_encode(pc.fill_null(text, ""))
    distinct = encoded.dictionary
    plain = pc.match_substring_regex(distinct, _PLAIN)
    cleaned = pc.utf8_slice_codeunits(pc.utf8_upper(distinct), 0, MAX_FIELD_CHARS)
    other = pc.invert(plain)
    if pc.any(other).as_py():
        cleaned = pc.replace_with_mask(cleaned, other, clean_text_full(distinct.filter(other)))
    return cleaned.take(encoded.indices)


def clean_text_full(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Every cleaning step on every row: the definition :func:`clean_text` must agree with."""
    s = pc.fill_null(pc.cast(values, pa.string()), "")
    s = pc.utf8_slice_codeunits(s, 0, MAX_FIELD_CHARS * 2)
    # Control characters (NUL included) and the unit separator used for dedupe keys are blanks.
    s = pc.replace_substring_regex(s, r"[\x00-\x1f\x7f]", " ")
    s = pc.utf8_normalize(s, form="NFKD")
    s = pc.replace_substring_regex(s, r"\p{M}+", "")
    s = pc.utf8_upper(s)
    # NFKD writes "½" as "1⁄2" with a fraction slash; make it an ordinary one.
    s = pc.replace_substring_regex(s, "⁄", "/")
    # Letters that NFKD does not decompose into ASCII.
    s = pc.replace_substring_regex(s, "[ßẞ]", "SS")
    s = pc.replace_substring_regex(s, "[ØŒÆ]", "O")
    # Apostrophes and periods join ("O'CONNOR" -> "OCONNOR", "P.O." -> "PO") except a period
    # between two words ("ST.JAMES" -> "ST JAMES").
    s = pc.replace_substring_regex(s, r"['’`´]", "")
    s = pc.replace_substring_regex(s, r"([A-Z]{2,})\.([A-Z0-9])", r"\1 \2")
    s = pc.replace_substring_regex(s, r"\.", "")
    # A pound sign always stands apart: "#4B" -> "# 4B".
    s = pc.replace_substring_regex(s, "#", " # ")
    # Slash survives only in fractions ("1/2") and "C/O"; elsewhere it separates words. The
    # two kept forms are parked on control characters (blanked above, so free) meanwhile.
    s = pc.replace_substring_regex(s, r"(\d) */ *(\d)", "\\1\x01\\2")
    s = pc.replace_substring_regex(s, r"(^|[^A-Z])C */ *O([^A-Z]|$)", "\\1C\x02O\\2")
    s = pc.replace_substring_regex(s, "/", " ")
    s = pc.replace_substring_regex(s, "[\x01\x02]", "/")
    # Everything else that is not a letter, digit, or one of # / - & is a blank.
    s = pc.replace_substring_regex(s, r"[^A-Z0-9#/&\- ]+", " ")
    # Hyphens survive only inside a token ("123-45", "4-B"); runs and free-standing ones blank
    # (after the blanking above, so "0-{" loses its hyphen the first time, not the second).
    s = pc.replace_substring_regex(s, r"-{2,}", " ")
    s = pc.replace_substring_regex(s, r"(^| )-+|-+( |$)", " ")
    s = pc.replace_substring_regex(s, r" {2,}", " ")
    s = pc.utf8_trim_whitespace(s)
    # A pound sign that ends the field names no unit ("12 MAIN ST #", "1/4#"): drop it, or it
    # would read as a unit marker in front of nothing.
    s = pc.utf8_trim_whitespace(pc.replace_substring_regex(s, r"(^| )#$", ""))
    return pc.utf8_slice_codeunits(s, 0, MAX_FIELD_CHARS)


def compact(cleaned: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Letters and digits only: the form placeholder and country lists are compared in.

    Cleaned text is letters, digits, spaces and a few marks (``# / & -``): dropping the spaces
    is a plain substring replacement, and only the values with a mark left need the regex.
    """
    values = cleaned.combine_chunks() if isinstance(cleaned, pa.ChunkedArray) else cleaned
    spaceless = pc.replace_substring(values, " ", "")
    marked = pc.fill_null(pc.match_substring_regex(spaceless, r"[^A-Z0-9]"), False)
    if not pc.any(marked).as_py():
        return spaceless
    rest = pc.replace_substring_regex(spaceless.filter(marked), r"[^A-Z0-9]+", "")
    return pc.replace_with_mask(spaceless, marked, rest)


def merge_unit(
    street: pa.Array | pa.ChunkedArray, unit: pa.Array | pa.ChunkedArray
) -> pa.Array | pa.ChunkedArray:
    """Append a cleaned unit column to a cleaned street line.

    A unit given as a bare id ("4B") is written "# 4B", so ``unit="4B"`` and a street line
    ending "# 4B" become the same text, and parse the same.
    """
    has_designator = pc.match_substring_regex(unit, rf"^(?:{unit_designator_pattern()})( |$)")
    unit_part = pc.if_else(
        pc.equal(unit, ""),
        "",
        pc.if_else(has_designator, unit, pc.binary_join_element_wise("#", unit, " ")),
    )
    joined = pc.binary_join_element_wise(street, unit_part, " ")
    return pc.utf8_trim_whitespace(joined)


# A word that marks the number that follows (Nº, No., Num., Número): "Nº 1193 MATHEIS ST" is
# cleaned to "NO 1193 MATHEIS ST", whose house number the parsers would not find.
_NUMBER_MARK = r"^(?:NO|NR|NBR|NUM|NUM RO|NUMRO|NUMERO|NUMBER) ([0-9])"
# A house number with letters that a scan or a keyboard puts for digits: a leading O, S, Z or G
# before two characters or more that end in a digit (S4884, Z28, G117, Z8O5), or O, S, Z, I, L,
# G or B between digits (1O376, 36S0, 5Z22, 3G50, 2ZS5). A letter at the end is a real
# house-number suffix (12A, 12S, 12B) and stays; so does a grid address (N123W4567).
_OCR_NUMBER = r"^(?:[OSZG][0-9][0-9OSZILGB]*[0-9]|[0-9]+[OSZILGB][0-9OSZILGB]*[0-9])(?: |$)"
_OCR_DIGITS = (
    ("O", "0"),
    ("S", "5"),
    ("Z", "2"),
    ("I", "1"),
    ("L", "1"),
    ("G", "6"),
    ("B", "8"),
)


def read_bars_in_house_number(raw: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A raw street line whose first word is a number with a bar in it, the bar read as a 1.

    A scan reads a 1 as a bar (|1614 for 11614, 6|7 for 617, ||34 for 1134); cleaning would
    drop the bar as punctuation and leave another house number (1614, 34) or split one (6 7).
    Only a first word of letters, digits and bars that holds a digit changes: a bar elsewhere
    in the line is punctuation, as before.
    """
    text = pc.fill_null(pc.cast(raw, pa.string()), "")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    # A plain substring search first: the regular expressions run only on lines with a bar.
    has_bar = pc.match_substring(text, "|")
    if not pc.any(has_bar).as_py():
        return text
    lines = text.filter(has_bar)
    barred = pc.and_(
        pc.match_substring_regex(lines, r"^ *[0-9A-Za-z|]*\|[0-9A-Za-z|]*(?: |$)"),
        pc.match_substring_regex(lines, r"^ *[A-Za-z|]*[0-9]"),
    )
    parts = pc.extract_regex(lines, r"^(?P<head> *[^ ]*)(?P<rest>.*)$")
    head = pc.replace_substring(pc.struct_field(parts, "head"), "|", "1")
    read = pc.binary_join_element_wise(head, pc.struct_field(parts, "rest"), "")
    return pc.replace_with_mask(text, has_bar, pc.if_else(barred, read, lines))


def repair_house_number(cleaned: pa.Array) -> pa.Array:
    """A cleaned street line whose house number was written with a number mark or with a
    letter read for a digit, rewritten with the number alone, in digits.

    Master and requests go through the same repair, so a house number means the same on both
    sides; only lines whose first word has one of these forms change.
    """
    out = pc.replace_substring_regex(cleaned, _NUMBER_MARK, r"\1")
    ocr = pc.fill_null(pc.match_substring_regex(out, _OCR_NUMBER), False)
    if not pc.any(ocr).as_py():
        return out
    parts = pc.extract_regex(out.filter(ocr), r"^(?P<head>[^ ]+)(?P<rest>.*)$")
    head = pc.struct_field(parts, "head")
    for letter, digit in _OCR_DIGITS:
        head = pc.replace_substring(head, letter, digit)
    fixed = pc.binary_join_element_wise(head, pc.struct_field(parts, "rest"), "")
    return pc.replace_with_mask(out, ocr, fixed)
