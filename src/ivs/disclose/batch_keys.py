"""Working files that hold disclosed addresses, encrypted at rest with a key of their batch.

Each batch has its own 256-bit key, ``$IVS_HOME/keys/batches/AGENCY/BATCH_ID.key`` (mode 0600,
made when the batch first writes such a file). A sealed file is AES-256-GCM (``cryptography``)::

    b"IVS-SEALED" 0x01 | 12-byte random nonce | ciphertext and 16-byte tag

with the batch's agency and id and what the file is as associated data, so a sealed file cannot
pass for another batch's or another kind. Destroying the key (``ivs purge``) makes every copy of the
batch's sealed files unreadable, wherever they were copied or left (crypto-shredding).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ivs.domain.errors import Conflict, NotFound
from ivs.domain.ids import BatchKey, path_for_id

__all__ = ["batch_key_path", "destroy_batch_key", "seal", "unseal"]

_MAGIC = b"IVS-SEALED\x01"
_NONCE = 12
_KEY_BYTES = 32


def batch_key_path(home: Path, batch: BatchKey) -> Path:
    agency = path_for_id(Path(home) / "keys" / "batches", batch.agency, "", kind="agency code")
    return path_for_id(agency, batch.batch_id, ".key")


def _key(home: Path, batch: BatchKey, *, create: bool) -> bytes:
    path = batch_key_path(home, batch)
    if path.is_file():
        data = path.read_bytes()
        if len(data) != _KEY_BYTES:
            raise Conflict(
                f"the key of batch {batch} at {path} is {len(data)} bytes, not "
                f"{_KEY_BYTES}: it was altered; its sealed working files cannot be read"
            )
        return data
    if not create:
        raise NotFound(
            f"batch {batch} has no key at {path}: it was destroyed when the batch was "
            "purged, so its sealed working files can no longer be read"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    key = AESGCM.generate_key(bit_length=8 * _KEY_BYTES)
    # Written whole under another name, then linked into place: a run killed while creating
    # the key file left it empty, and every later run of the batch refused it as altered. A
    # kill before the link leaves only the unlinked file, whose key sealed nothing.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(partial, path)
    except FileExistsError:  # made meanwhile by another run of the same batch
        return _key(home, batch, create=False)
    finally:
        partial.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return key


def _aad(batch: BatchKey, what: str) -> bytes:
    return f"ivs-sealed/2 {batch.agency} {batch.batch_id} {what}".encode()


def seal(home: Path, batch: BatchKey, what: str, data: bytes) -> bytes:
    """``data`` encrypted with the batch's key (made if it has none yet)."""
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(_key(home, batch, create=True)).encrypt(nonce, data, _aad(batch, what))
    return _MAGIC + nonce + sealed


def unseal(home: Path, batch: BatchKey, what: str, data: bytes) -> bytes:
    """The plaintext of what :func:`seal` made; NotFound once the key is destroyed."""
    if not data.startswith(_MAGIC):
        raise Conflict(
            f"the {what} of batch {batch} is not a sealed ivs file; it was replaced or "
            "written by another program and is not read"
        )
    key = _key(home, batch, create=False)
    body = memoryview(data)[len(_MAGIC) :]  # no copy of a file of hundreds of megabytes
    try:
        return AESGCM(key).decrypt(body[:_NONCE], body[_NONCE:], _aad(batch, what))
    except InvalidTag as e:
        raise Conflict(
            f"the sealed {what} of batch {batch} does not decrypt with its key: the file "
            "was altered or belongs to another batch; it is not read"
        ) from e


def destroy_batch_key(home: Path, batch: BatchKey) -> bool:
    """Delete the batch's key (overwritten first); whether there was one."""
    path = batch_key_path(home, batch)
    if not path.is_file() or path.is_symlink():
        return False
    # Overwritten in place before the unlink, so the bytes do not linger in the file's blocks
    # (on file systems that write in place).
    with path.open("r+b") as f:
        f.write(b"\0" * _KEY_BYTES)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()
    return True
