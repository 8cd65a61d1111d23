"""The tax agency's Ed25519 ledger key under ``$IVS_HOME/keys``, and opening the ledger.

The private key signs tree heads; it is written once by ``ivs init`` with mode 0600 and is
never printed. The public key beside it (``ledger.ed25519.pub``, hex) is what the agency
publishes so that auditors can check signed heads and proofs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from ivs.domain.errors import ConfigError, Conflict, NotFound
from ivs.domain.settings import Settings
from ivs.ledger.log import Ledger
from ivs.store import open_store

__all__ = ["create_ledger_key", "ledger_key_path", "load_ledger_key", "open_ledger"]


def ledger_key_path(settings: Settings) -> Path:
    return Path(settings.home) / "keys" / "ledger.ed25519"


def create_ledger_key(path: Path) -> Ed25519PrivateKey:
    """Generate the ledger key at ``path`` (0600) and its public key at ``path.pub``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        # O_EXCL: never overwrite a key that has signed heads; 0600 from the first byte.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise Conflict(
            f"a ledger key already exists at {path}; it signs the ledger's heads and is "
            "never replaced by init. Move it away only as part of a key rotation."
        ) from e
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    path.with_name(path.name + ".pub").write_text(public.hex() + "\n", encoding="ascii")
    return key


def load_ledger_key(path: Path) -> Ed25519PrivateKey:
    if not path.is_file():
        raise NotFound(
            f"no ledger key at {path}: the ledger cannot sign its heads. Run `ivs init` "
            "to create the key and the store."
        )
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigError(
            f"the ledger key {path} is readable by other users (mode "
            f"{stat.S_IMODE(path.stat().st_mode):o}); anyone who reads it can forge signed "
            f"heads. Run `chmod 600 {path}` and consider rotating the key."
        )
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as e:
        raise ConfigError(f"{path} is not a PEM private key: {e}") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def open_ledger(settings: Settings) -> Ledger:
    """The ledger of the configured store, signing with the key under ``$IVS_HOME``."""
    return Ledger(open_store(settings), load_ledger_key(ledger_key_path(settings)))
