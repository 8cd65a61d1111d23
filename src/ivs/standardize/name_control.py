"""The IRS name control of an individual: up to four characters of the (first) last name.

The rules, as the IRS states them for TIN Matching (Publication 2108-A) and e-file
(Publication 4164, "Name Control"; Publication 1346), and for ITIN applicants (Document
7071-A style guidance):

- the name control is the first four characters of the individual's last name; a shorter
  name gives a shorter control (``NG``, ``LI``, ``LEE``); no padding;
- only letters A–Z, digits, the hyphen and the ampersand are allowed; blanks and other
  punctuation are dropped (``O'NEIL`` → ``ONEI``, ``MC EVER`` → ``MCEV``, ``D'ANGELO`` → ``DANG``);
- a hyphenated last name: the first four characters including the hyphen
  (``LEE-SMITH`` → ``LEE-``, ``GARCIA-LOPEZ`` → ``GARC``);
- Hispanic names with two last names (paternal then maternal, with or without ``Y``): the
  first last name (``GARCIA MARQUEZ`` → ``GARC``, ``GARCIA Y LOPEZ`` → ``GARC``);
- particles are part of the last name (``DE LA ROSA`` → ``DELA``, ``VAN DYKE`` → ``VAND``,
  ``DEL RIO`` → ``DELR``);
- suffixes (JR, SR, III) are not part of the last name (``TEAK JR`` → ``TEAK``);
- Asian names: the control comes from the name in the last-name field as filed, whatever
  the cultural order; the IRS does not reorder (``NGUYEN`` → ``NGUY``).

Diacritics are folded first (``NÚÑEZ`` → ``NUNE``). Letters outside A–Z (another script)
give no control (None).
"""

from __future__ import annotations

import re

__all__ = ["name_control"]

_ALLOWED = re.compile(r"[^A-Z0-9&-]")


def name_control(first_surname: str | None) -> str | None:
    """Name control from the first surname as :func:`parse_surname` isolates it."""
    if not first_surname:
        return None
    control = _ALLOWED.sub("", first_surname)[:4]
    return control if control.strip("-") else None
