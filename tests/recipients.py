"""The test requester's recipient: Agent Smith of ERO Houston (DHS-ICE), whom the factory's
manifests name, with an age key pair made for these tests alone; and another key, of nobody
the manifests name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyrage

from ivs.disclose.package_check import open_package
from ivs.disclose.recipient_keys import import_recipient_keys
from ivs.domain.settings import load_settings
from ivs.formats import read_response
from ivs.formats.recipients import RecipientKey, write_recipient_keys
from ivs.ledger.keys import open_ledger

SMITH_IDENTITY = "AGE-SECRET-KEY-1PC6JUMSCMML5AJU2G2Y567FUCX02A2KVU8LK7F4TFMEGKVF7RNJSHDX295"
SMITH_KEY = RecipientKey(
    agency="DHS-ICE",
    name="Agent Smith",
    office="ERO Houston",
    public_key="age13a8r5l73p45xn6nz3lwkd6s7a3607zk0je67xzwqqyyqr0kw0s9swla89u",
    valid_from=date(2025, 1, 1),
    valid_until=None,
)
OTHER_IDENTITY = "AGE-SECRET-KEY-1QU6HM0DMY8M6Q59LRUGJYUZSTNN80FTKNCLFEZ3RQRTZJK7YHD8QJ54T4U"
OTHER_PUBLIC_KEY = "age1wcje5y2k7n2jcfvjazf7uqxq8zsvgm7j7zp9faccjw89pa9hkecs0mw534"
# The other agency's officer of the same name and office, with a key of its own: where tests
# send one batch id from two agencies, each agency's package opens with its own key only.
CBP_SMITH_KEY = RecipientKey(
    agency="DHS-CBP",
    name="Agent Smith",
    office="ERO Houston",
    public_key=OTHER_PUBLIC_KEY,
    valid_from=date(2025, 1, 1),
    valid_until=None,
)


def register_smith(key: RecipientKey = SMITH_KEY) -> None:
    """Agent Smith's key in the store of $IVS_HOME (the ledger key must exist)."""
    settings = load_settings()
    ledger = open_ledger(settings)
    import_recipient_keys(ledger.store, ledger, [key], imported_by="test", now=datetime.now(UTC))


def write_smith_keys(path: Path) -> Path:
    """Agent Smith's key as an ``ivs-recipients/1`` file."""
    write_recipient_keys(path, [SMITH_KEY])
    return path


def identity_file(folder: Path, identity: str = SMITH_IDENTITY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "recipient.agekey"
    path.write_text(f"# test recipient\n{identity}\n", encoding="ascii")
    return path


def plaintext_of(data: bytes, identity: str = SMITH_IDENTITY) -> bytes:
    """The response in a package's bytes, verified and decrypted with ``identity``."""
    _, plaintext = open_package(data, [pyrage.x25519.Identity.from_str(identity)])
    return plaintext


def opened_plaintext(package: Path, identity: str = SMITH_IDENTITY) -> bytes:
    """The response in ``package``, verified and decrypted with ``identity``."""
    return plaintext_of(package.read_bytes(), identity)


def opened_response(package: Path, folder: Path, identity: str = SMITH_IDENTITY) -> pa.Table:
    """The response in ``package`` as ``read_response`` reads a response file; the plaintext
    is written under ``folder`` (a test's own temporary folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / package.name.replace(".package.zip", ".response.csv")
    path.write_bytes(opened_plaintext(package, identity))
    return read_response(path)
