"""Each decision code in one plain-English sentence, naming the rule of ``ivs.decide.rules``.

Written for a disclosure officer or a judge: the legal condition that decided, not the code's
mechanics. Rule numbers follow the order of the conditions in ``ivs.decide.rules``.
"""

from __future__ import annotations

from ivs.domain.codes import REJECTION_CODES, DecisionCode

__all__ = ["decision_text"]

_TEXT: dict[str, str] = {
    DecisionCode.MATCHED: (
        "exactly one taxpayer matches name and address to the unit, nothing on record "
        "contradicts the request, the taxpayer is not restricted, and the match probability "
        "clears the disclosure threshold (rules 3 to 8)"
    ),
    DecisionCode.REJECTED: "the request itself is deficient and was refused at intake (rule 1)",
    DecisionCode.HELD: "a court hold covers this request, so nothing is disclosed (rule 2)",
    DecisionCode.NO_CANDIDATE: "no taxpayer was found at the request's house number or box "
    "and ZIP code, by its TIN, or by its date of birth and name (rule 3)",
    DecisionCode.NAME_MISMATCH: (
        "no taxpayer found at the address, by TIN or by date of birth has the request's name, "
        "or only a generational suffix (JR, SR) or a conflicting middle name tells the request "
        "apart from every taxpayer whose name does: a middle name that conflicts is overridden "
        "by an agreeing TIN, or by an agreeing date of birth where the first given name is the "
        "same, never met only through a nickname (rules 3 and 5)"
    ),
    DecisionCode.ADDRESS_MISMATCH: (
        "a taxpayer's name matches, but none of that taxpayer's addresses of record matches the "
        "request's address to the unit (rule 4)"
    ),
    DecisionCode.TIN_CONFLICT: (
        "the taxpayers matching name and address carry a TIN other than the one the request "
        "gives (rule 5)"
    ),
    DecisionCode.DOB_CONFLICT: (
        "the taxpayers matching name and address have a date of birth other than the one the "
        "request gives (rule 5)"
    ),
    DecisionCode.AMBIGUOUS: (
        "a second taxpayer matches name and address at a comparable level (within {margin:g} "
        "bits of match weight), or differs only by a date of birth set aside as implausible, "
        "so the request does not identify one person (rule 6)"
    ),
    DecisionCode.RESTRICTED: (
        "the matching taxpayer's information may not be disclosed under 26 U.S.C. 6103(i)(6) "
        "(confidential informant or tax investigation), or is withheld because a row of the "
        "master file set aside may hide a person like them (rule 7)"
    ),
    DecisionCode.REVIEW: (
        "one taxpayer meets every condition, but the match probability lies between the review "
        "and disclosure thresholds: a disclosure officer must decide (rule 8)"
    ),
    DecisionCode.BELOW_THRESHOLD: (
        "one taxpayer meets the conditions, but the match probability is below the review "
        "threshold: too uncertain to disclose (rule 8)"
    ),
}


def decision_text(code: str, *, ambiguity_margin: float) -> str:
    """``CODE: explanation``; an intake code says what the request itself lacks (rule 1)."""
    if code in REJECTION_CODES:
        meaning = REJECTION_CODES[code].meaning.rstrip(".")
        return (
            f"{code}: the request itself is deficient and was refused at intake: {meaning} (rule 1)"
        )
    text = _TEXT.get(code)
    if text is None:
        return f"{code}: not a decision code of this version of ivs"
    return f"{code}: {text.format(margin=ambiguity_margin)}"
