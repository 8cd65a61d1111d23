"""The signer roster (formats.md §1.3): officials whose keys may sign, or submit, batches."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ivs.domain.errors import FormatErrors, Problem
from ivs.domain.ids import is_identifier
from ivs.domain.schema import SIGNER_ROLES, SIGNERS_FORMAT
from ivs.formats.tabular import load_json_object, read_text

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = [
    "Signer",
    "check_signers",
    "parse_date",
    "read_signers",
    "signers_to_raw",
    "write_signers",
]


@dataclass(frozen=True, slots=True)
class Signer:
    key_id: str
    agency: str
    name: str
    title: str
    role: str
    public_key: bytes
    valid_from: date
    valid_until: date | None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def parse_date(
    value: Any, where: str, problems: list[Problem], file: str, *, nullable: bool
) -> date | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        problems.append(
            Problem(
                file, "must be a date YYYY-MM-DD" + (" or null" if nullable else ""), None, where
            )
        )
        return None
    try:
        if not _ISO_DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(file, f"must be a date YYYY-MM-DD, got {value!r}", None, where))
        return None


def _line_of(text: str | None, key: str, value: str) -> int | None:
    """The line of ``text`` (the roster as written) where ``"key": value`` stands, if found."""
    if text is None:
        return None
    found = re.search(rf'"{key}"\s*:\s*{re.escape(json.dumps(value))}', text)
    if found is None:
        found = re.search(re.escape(json.dumps(value, ensure_ascii=False)), text)
    return None if found is None else text.count("\n", 0, found.start()) + 1


def check_signers(
    raw: dict[str, Any], file: str, text: str | None = None
) -> tuple[list[Signer], list[Problem]]:
    """The roster's signers and every problem found in it; ``text``, the roster as written,
    lets a problem name its line.

    A key id and an agency code are identifiers (``ivs.domain.ids``): a manifest names its
    signer's key by it and a batch is its agency's, so neither may be text that the manifest
    check would refuse or that could name a path."""
    problems: list[Problem] = []
    if raw.get("format") != SIGNERS_FORMAT:
        problems.append(
            Problem(file, f"must be '{SIGNERS_FORMAT}', got {raw.get('format')!r}", None, "format")
        )
    entries = raw.get("signers")
    if not isinstance(entries, list):
        problems.append(Problem(file, "must be a list", None, "signers"))
        return [], problems
    signers: list[Signer] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        at = f"signers[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem(file, "must be an object", None, at))
            continue
        before = len(problems)
        texts: dict[str, str] = {}
        for key in ("key_id", "agency", "name", "title", "role", "public_key"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(file, "must be a non-empty string", None, f"{at}.{key}"))
            elif any(c < " " or c == "\x7f" for c in value):
                # A name or title is one line of text (and the store cannot hold NUL).
                problems.append(
                    Problem(file, "must not contain control characters", None, f"{at}.{key}")
                )
            elif key in ("key_id", "agency") and not is_identifier(value):
                problems.append(
                    Problem(
                        file,
                        f"must be an identifier (1 to 100 ASCII letters, digits, '.', '_' or "
                        f"'-', starting with a letter or a digit); got {value[:60]!r}. Give "
                        f"the {key.replace('_', ' ')} in that form, as manifests name it",
                        _line_of(text, key, value),
                        f"{at}.{key}",
                    )
                )
            else:
                texts[key] = value
        role = texts.get("role")
        if role is not None and role not in SIGNER_ROLES:
            problems.append(
                Problem(
                    file,
                    f"must be one of {', '.join(SIGNER_ROLES)}; got {role!r}",
                    None,
                    f"{at}.role",
                )
            )
        key_bytes = b""
        if "public_key" in texts:
            try:
                key_bytes = base64.b64decode(texts["public_key"], validate=True)
            except (binascii.Error, ValueError):
                key_bytes = b""
            if len(key_bytes) != 32:
                problems.append(
                    Problem(
                        file,
                        "must be base64 of a raw 32-byte Ed25519 public key",
                        None,
                        f"{at}.public_key",
                    )
                )
        valid_from = parse_date(
            entry.get("valid_from"), f"{at}.valid_from", problems, file, nullable=False
        )
        valid_until = parse_date(
            entry.get("valid_until"), f"{at}.valid_until", problems, file, nullable=True
        )
        key_id = texts.get("key_id")
        if key_id is not None:
            if key_id in seen:
                problems.append(
                    Problem(file, f"key_id {key_id!r} is listed twice", None, f"{at}.key_id")
                )
            seen.add(key_id)
        if len(problems) == before and valid_from is not None:
            signers.append(
                Signer(
                    key_id=texts["key_id"],
                    agency=texts["agency"],
                    name=texts["name"],
                    title=texts["title"],
                    role=texts["role"],
                    public_key=key_bytes,
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
            )
    return signers, problems


def read_signers(path: Path) -> dict[str, Signer]:
    """The roster by ``key_id``; every problem in the file is reported together."""
    raw = load_json_object(path)
    signers, problems = check_signers(raw, str(path), read_text(path))
    if problems:
        raise FormatErrors(problems)
    return {s.key_id: s for s in signers}


def signers_to_raw(signers: list[Signer]) -> dict[str, Any]:
    return {
        "format": SIGNERS_FORMAT,
        "signers": [
            {
                "key_id": s.key_id,
                "agency": s.agency,
                "name": s.name,
                "title": s.title,
                "role": s.role,
                "public_key": base64.b64encode(s.public_key).decode("ascii"),
                "valid_from": s.valid_from.isoformat(),
                "valid_until": s.valid_until.isoformat() if s.valid_until else None,
            }
            for s in signers
        ],
    }


def write_signers(path: Path, signers: list[Signer]) -> None:
    path.write_text(
        json.dumps(signers_to_raw(signers), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
