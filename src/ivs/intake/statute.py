"""Is a cited statute a nontax criminal statute the program may answer under 6103(i)(2)?"""

from __future__ import annotations

import re

__all__ = ["is_title_26", "normalize_statute", "statute_problem"]

_USC = re.compile(r"\bU\.?\s*S\.?\s*C(ODE)?\.?(?=\s|$|§)", re.IGNORECASE)
_SECTION = re.compile(r"§+|\bSECTIONS?\b|\bSECS?\.?(?=\s)", re.IGNORECASE)
_TITLE_26 = re.compile(
    r"^26\s+USC\b|\bINTERNAL REVENUE CODE\b|\bI\.?R\.?C\.?(?=\s|$|§)|\bTITLE 26\b"
)


def normalize_statute(text: str) -> str:
    """Canonical citation: ``8 U.S.C. § 1253 (a)(1)`` → ``8 USC 1253(A)(1)``."""
    value = _USC.sub(" USC ", text.upper())
    value = _SECTION.sub(" ", value)
    value = re.sub(r"\s+\(", "(", value)
    return re.sub(r"\s+", " ", value).strip()


def is_title_26(text: str) -> bool:
    """Whether the citation is to the Internal Revenue Code (always refused: not nontax)."""
    return bool(_TITLE_26.search(normalize_statute(text)))


def statute_problem(statute: str, allow_list: tuple[str, ...]) -> str | None:
    """Why ``statute`` cannot support a request, or ``None`` when it can."""
    if is_title_26(statute):
        return (
            f"statute {statute!r} is in Title 26 (Internal Revenue Code); 6103(i)(2) serves only "
            "nontax criminal investigations"
        )
    allowed = {normalize_statute(s) for s in allow_list}
    if normalize_statute(statute) not in allowed:
        return (
            f"statute {statute!r} is not on the allow-list of nontax criminal statutes "
            f"({'; '.join(allow_list)}); an administrator must add it (setting statute_allow_list)"
        )
    return None
