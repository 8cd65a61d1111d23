"""Identifiers that come from outside, and the paths named after them.

Batch ids (a signed manifest's ``batch_id``), request ids (a record's ``request_id``), user
names and agency codes all follow one pattern, checked where they enter (the manifest, the
records, the command line, the API)::

    [A-Za-z0-9][A-Za-z0-9._-]{0,99}

one to 100 ASCII letters, digits, ``.``, ``_`` and ``-``, the first a letter or a digit. Such an
id holds no path separator, is never ``.`` or ``..``, never starts like a spreadsheet formula,
and fits every column of the store. Review case ids are whole numbers from 1 to
:data:`MAX_CASE_ID` (the store's integer).

A batch is known by its requesting agency and its id together (:class:`BatchKey`): two agencies
may each send a batch ``X``, and each is its own batch in the store, on the ledger and on disk
(``$IVS_HOME/work/AGENCY/BATCH_ID/``).

Every file named after an id is named by :func:`path_for_id`, which checks the id again and
that the path stays inside its folder, so that no id can name a file outside it, whatever
path it came by. The check is lexical (no file is read): a folder and an id-free suffix are
the caller's, the id is the outsider's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ivs.domain.errors import InvalidIdentifier

__all__ = [
    "IDENTIFIER_PATTERN",
    "MAX_CASE_ID",
    "BatchKey",
    "check_identifier",
    "is_case_id",
    "is_identifier",
    "path_for_id",
]

IDENTIFIER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
MAX_CASE_ID = 2**31 - 1  # the store's INTEGER on every backend
# A suffix is the caller's own: a fixed ending such as ".response.csv" or "/decisions.arrow".
_SUFFIX = re.compile(r"[A-Za-z0-9._/-]*")


def is_identifier(value: object) -> bool:
    """Whether ``value`` is a string that follows the identifier pattern."""
    return isinstance(value, str) and _IDENTIFIER.fullmatch(value) is not None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_identifier(kind: str, value: object) -> str:
    """``value`` if it is a valid identifier; ``InvalidIdentifier`` naming ``kind`` otherwise."""
    if is_identifier(value):
        return str(value)
    raise InvalidIdentifier(
        f"{kind} {_shown(value)} is not a valid identifier: an identifier is 1 to 100 letters, "
        "digits, '.', '_' or '-' (ASCII), starting with a letter or a digit, so that it can "
        f"never name a path; give the {kind} in that form"
    )


@dataclass(frozen=True, slots=True, order=True)
class BatchKey:
    """A batch's identity: the agency that requested it and the id it gave it. Ids are the
    agencies' own, so the id alone names a batch only within one agency."""

    agency: str
    batch_id: str

    def __str__(self) -> str:
        return f"{self.batch_id} of {self.agency}"

    def folder(self, base: Path) -> Path:
        """``base/AGENCY/BATCH_ID``, each part checked by :func:`path_for_id`."""
        return path_for_id(
            path_for_id(base, self.agency, "", kind="agency code"), self.batch_id, ""
        )


def is_case_id(value: object) -> bool:
    """Whether ``value`` can be a review case id: a whole number from 1 to ``MAX_CASE_ID``.
    One that cannot is a case that does not exist (``NotFound``), never a store error."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_CASE_ID


def path_for_id(folder: Path, identifier: str, suffix: str, *, kind: str = "batch id") -> Path:
    """``folder / (identifier + suffix)``, once ``identifier`` is checked and the path is
    known to stay inside ``folder``.

    ``suffix`` names what the file is (``".response.csv"``, ``"/decisions.arrow"``, or ``""``
    for a folder named after the id).
    """
    check_identifier(kind, identifier)
    if _SUFFIX.fullmatch(suffix) is None or ".." in suffix.split("/"):
        raise ValueError(f"suffix {suffix!r} is not a plain file name ending")
    base = os.path.normpath(os.path.abspath(folder))
    path = os.path.normpath(os.path.join(base, identifier + suffix))
    if os.path.commonpath([base, path]) != base or path == base:
        raise InvalidIdentifier(
            f"{kind} {_shown(identifier)} would name {path}, outside {base}; nothing was written"
        )
    return Path(folder) / (identifier + suffix)
