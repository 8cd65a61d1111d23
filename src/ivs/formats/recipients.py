"""The recipients' key file (``ivs-recipients/1``): the public keys of the officers a
requesting agency names as recipients, to which response packages are encrypted.

```json
{"format": "ivs-recipients/1", "recipients": [
  {"agency": "DHS-ICE", "name": "Agent Smith", "office": "ERO Houston",
   "public_key": "age1…", "valid_from": "2025-01-20", "valid_until": null}
]}
```

``public_key`` is an age X25519 recipient (the text ``age-keygen`` prints as "Public key").
A key's fingerprint is the SHA-256 of that text, lower case, in hex: what the ledger and the
package's manifest name it by.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyrage

from ivs.domain.errors import FormatErrors, Problem
from ivs.formats.signers import parse_date
from ivs.formats.tabular import load_json_object

__all__ = [
    "RECIPIENTS_FORMAT",
    "RecipientKey",
    "check_recipient_keys",
    "generate_recipient_keys",
    "key_fingerprint",
    "read_recipient_keys",
    "same_officer",
    "write_recipient_keys",
]

RECIPIENTS_FORMAT = "ivs-recipients/1"


def key_fingerprint(public_key: str) -> str:
    """SHA-256 (hex) of an age recipient's text, lower case."""
    return hashlib.sha256(public_key.strip().lower().encode("ascii")).hexdigest()


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def same_officer(name: str, office: str, other_name: str, other_office: str) -> bool:
    """Whether two (name, office) pairs name the same officer: case and spacing aside."""
    return _folded(name) == _folded(other_name) and _folded(office) == _folded(other_office)


@dataclass(frozen=True, slots=True)
class RecipientKey:
    agency: str
    name: str
    office: str
    public_key: str
    valid_from: date
    valid_until: date | None

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def check_recipient_keys(
    raw: dict[str, Any], file: str
) -> tuple[list[RecipientKey], list[Problem]]:
    """The file's recipient keys and every problem found in it."""
    problems: list[Problem] = []
    if raw.get("format") != RECIPIENTS_FORMAT:
        problems.append(
            Problem(
                file, f"must be '{RECIPIENTS_FORMAT}', got {raw.get('format')!r}", None, "format"
            )
        )
    entries = raw.get("recipients")
    if not isinstance(entries, list):
        problems.append(Problem(file, "must be a list", None, "recipients"))
        return [], problems
    keys: list[RecipientKey] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        at = f"recipients[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem(file, "must be an object", None, at))
            continue
        before = len(problems)
        texts: dict[str, str] = {}
        for name in ("agency", "name", "office", "public_key"):
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(file, "must be a non-empty string", None, f"{at}.{name}"))
            elif any(c < " " or c == "\x7f" for c in value) or len(value) > 200:
                problems.append(
                    Problem(
                        file,
                        "must be one line of at most 200 characters",
                        None,
                        f"{at}.{name}",
                    )
                )
            else:
                texts[name] = value.strip()
        key = texts.get("public_key")
        if key is not None:
            try:
                pyrage.x25519.Recipient.from_str(key)
            except pyrage.RecipientError as e:
                problems.append(
                    Problem(
                        file,
                        f"must be an age X25519 public key ('age1…'): {e}",
                        None,
                        f"{at}.public_key",
                    )
                )
            else:
                fingerprint = key_fingerprint(key)
                if fingerprint in seen:
                    problems.append(
                        Problem(file, "this key is listed twice", None, f"{at}.public_key")
                    )
                seen.add(fingerprint)
        valid_from = parse_date(
            entry.get("valid_from"), f"{at}.valid_from", problems, file, nullable=False
        )
        valid_until = parse_date(
            entry.get("valid_until"), f"{at}.valid_until", problems, file, nullable=True
        )
        if len(problems) == before and valid_from is not None:
            keys.append(
                RecipientKey(
                    agency=texts["agency"],
                    name=texts["name"],
                    office=texts["office"],
                    public_key=texts["public_key"].lower(),
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
            )
    return keys, problems


def read_recipient_keys(path: Path) -> list[RecipientKey]:
    """The file's recipient keys; every problem in the file is reported together."""
    keys, problems = check_recipient_keys(load_json_object(path), str(path))
    if problems:
        raise FormatErrors(problems)
    return keys


def write_recipient_keys(path: Path, keys: list[RecipientKey]) -> None:
    raw = {
        "format": RECIPIENTS_FORMAT,
        "recipients": [
            {
                "agency": k.agency,
                "name": k.name,
                "office": k.office,
                "public_key": k.public_key,
                "valid_from": k.valid_from.isoformat(),
                "valid_until": k.valid_until.isoformat() if k.valid_until else None,
            }
            for k in keys
        ],
    }
    path.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "recipient"


def generate_recipient_keys(
    agency: str,
    officers: Sequence[tuple[str, str]],
    folder: Path,
    *,
    valid_from: date,
) -> list[RecipientKey]:
    """A new age key pair for each (name, office) of ``officers``: the identity (secret) in
    ``folder/NAME.agekey`` (mode 0600, in the format ``age-keygen`` writes), the public key
    returned. What a requesting agency does with ``age-keygen``, for demonstrations and tests;
    a real agency makes its keys on its own machines and sends only the public ones."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = []
    for name, office in officers:
        identity = pyrage.x25519.Identity.generate()
        public = str(identity.to_public())
        path = folder / f"{_slug(name)}.agekey"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(f"# {name}, {office} ({agency})\n# public key: {public}\n{identity}\n")
        keys.append(RecipientKey(agency, name, office, public, valid_from, None))
    return keys
