"""docs/service.md's steps for a requester who does not run ivs, run as written: unzip,
openssl, age, jq, sha256sum and the documented Python script, on a package from a real run;
and the same steps fail on a package with a byte changed."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.batch.small_world import write_batch, write_master
from tests.recipients import identity_file

from ivs.batch.run import run_batch
from ivs.disclose.package import MEMBERS, package_zip
from ivs.domain.settings import load_settings
from ivs.formats import read_signers

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 6, 28, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("ledger_key")
TOOLS = ("unzip", "openssl", "age", "jq", "sha256sum", "xxd", "python3")


def _section() -> str:
    text = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    start = text.index("### Checking and opening it without ivs")
    return text[start : text.index("\n### ", start + 10)]


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", _section(), re.DOTALL)


@pytest.fixture
def requester(tmp_path: Path, ivs_home: Path) -> Path:
    """A requester's folder: the package, the agency's public key, the recipient's key."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"`make test` installs the requester's tools; missing: {missing}"
    batch = write_batch(tmp_path / "batch")
    result = run_batch(
        batch.manifest,
        write_master(tmp_path / "master"),
        read_signers(batch.signers),
        load_settings(),
        tmp_path / "out",
        now=NOW,
    )
    folder = tmp_path / "requester"
    folder.mkdir()
    shutil.copy(result.response, folder / "SYN-1-A.package.zip")
    shutil.copy(ivs_home / "keys" / "ledger.ed25519.pub", folder / "ledger.ed25519.pub")
    shutil.copy(identity_file(tmp_path / "key"), folder / "my.agekey")
    (python,) = _blocks("python")
    (folder / "verify_release.py").write_text(python, encoding="utf-8")
    return folder


def _run_steps(folder: Path) -> subprocess.CompletedProcess[str]:
    (steps,) = _blocks("sh")
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", steps],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_documented_steps_verify_and_open_the_package(requester: Path) -> None:
    done = _run_steps(requester)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Signature Verified Successfully" in done.stdout
    assert "is in the tree of" in done.stdout
    assert (requester / "response.csv").read_text().startswith("request_id,outcome")


@pytest.mark.parametrize("member", MEMBERS)
def test_the_documented_steps_fail_on_an_altered_member(requester: Path, member: str) -> None:
    package = requester / "SYN-1-A.package.zip"
    with zipfile.ZipFile(io.BytesIO(package.read_bytes())) as archive:
        members = {name: archive.read(name) for name in MEMBERS}
    edited = bytearray(members[member])
    edited[len(edited) // 2] ^= 0x01
    package.write_bytes(package_zip({**members, member: bytes(edited)}))
    done = _run_steps(requester)
    assert done.returncode != 0, done.stdout
    assert not (requester / "response.csv").exists()
