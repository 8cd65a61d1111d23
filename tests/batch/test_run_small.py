"""End to end on a hand-made world: every record's outcome and code is known in advance."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.recipients import opened_response

from ivs.batch.index_step import ensure_index, fingerprint_beside
from ivs.batch.intake_step import intake_batch
from ivs.batch.policies import policy_disclosures, without_intake
from ivs.batch.run import RunResult, run_batch
from ivs.domain.errors import Conflict, FormatError
from ivs.domain.settings import load_settings
from ivs.formats import (
    read_signers,
    sign_manifest,
    write_manifest,
    write_master_table,
)
from ivs.ledger.keys import open_ledger

from .small_world import NOW, REQUESTS, rec, run_asked, write_batch, write_master

pytestmark = pytest.mark.usefixtures("ledger_key")


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, Path]:
    master = write_master(tmp_path / "master")
    batch = write_batch(tmp_path / "batch")
    return master, batch.manifest, batch.signers


def _run(world: tuple[Path, Path, Path], tmp_path: Path) -> RunResult:
    master, manifest, signers = world
    return run_batch(
        manifest, master, read_signers(signers), load_settings(), tmp_path / "out", now=NOW
    )


def test_each_record_decided_as_the_law_requires(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    result = _run(world, tmp_path)
    decisions = pq.read_table(result.decisions).to_pylist()
    got = [(d["request_id"], d["outcome"], d["decision_code"]) for d in decisions]
    want = [(r["request_id"], outcome, code) for r, outcome, code in REQUESTS]
    assert got == want
    response = opened_response(result.response, tmp_path / "opened").to_pylist()
    assert [r["request_id"] for r in response] == [r["request_id"] for r, _, _ in REQUESTS]
    first = response[0]
    # The last known address, as filed, not the address the request gave.
    assert (first["street_address"], first["city"], first["zip"]) == (
        "55 ELM AVE",
        "HOUSTON",
        "77004",
    )
    for row in response:
        if row["outcome"] != "DISCLOSED":
            assert row["street_address"] is None
            assert row["zip"] is None
        if row["outcome"] != "REJECTED":
            assert row["rejection_reason"] is None
    assert {r["rejection_reason"] for r in response if r["outcome"] == "REJECTED"} == {
        "ANUMBER_MISSING",
        "ADDRESS_PLACEHOLDER",
    }
    assert {r["request_id"]: r["advisories"] for r in response if r["advisories"]} == {
        "R8": "TIN_IMPOSSIBLE"
    }


def test_candidates_of_equal_weight_are_listed_lowest_tin_first(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    result = _run(world, tmp_path)
    lists = {
        d["request_id"]: d["candidate_list"] for d in pq.read_table(result.decisions).to_pylist()
    }
    # JOHN SMITH at 7 OAK DR, no suffix given: the father and the son weigh the same.
    father_and_son = [(c["tin"], c["match_weight"]) for c in lists["R3"]]
    assert [tin for tin, _ in father_and_son] == ["234567891", "345678912"]
    assert father_and_son[0][1] == father_and_son[1][1]


def test_same_batch_again_gives_the_same_bytes(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    master, manifest, signers = world
    settings = load_settings()
    first = run_batch(manifest, master, read_signers(signers), settings, tmp_path / "out", now=NOW)
    before = first.response.read_bytes()
    again = run_batch(manifest, master, read_signers(signers), settings, tmp_path / "out", now=NOW)
    assert again.repeated
    assert again.response.read_bytes() == before


def test_another_batch_under_a_used_id_is_refused(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    master, manifest, signers = world
    settings = load_settings()
    run_batch(manifest, master, read_signers(signers), settings, tmp_path / "out", now=NOW)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from tests.intake.batch_factory import DIRECTOR_SEED

    from ivs.formats import read_manifest_json

    raw = read_manifest_json(manifest)
    raw["purpose"] = raw["purpose"] + " (amended)"
    write_manifest(
        manifest, sign_manifest(raw, Ed25519PrivateKey.from_private_bytes(DIRECTOR_SEED))
    )
    with pytest.raises(Conflict, match="already used by a different batch"):
        run_batch(manifest, master, read_signers(signers), settings, tmp_path / "out", now=NOW)


def test_a_master_without_restrictions_runs(world: tuple[Path, Path, Path], tmp_path: Path) -> None:
    # The restrictions file is optional (formats.md §2); its empty stand-in must compare as dates.
    master, _, _ = world
    (master / "restrictions.parquet").unlink()
    result = _run(world, tmp_path)
    codes = {
        d["request_id"]: d["decision_code"] for d in pq.read_table(result.decisions).to_pylist()
    }
    assert codes["R7"] == "MATCHED"


def test_unusable_optional_fields_are_set_aside_and_said(tmp_path: Path) -> None:
    # CHIDI OKAFOR at his address of record, with a TIN that cannot be issued, a date of birth
    # in the future, a middle name of digits and a suffix that is none: each is set aside, the
    # record is decided on name and address, and the response and the ledger say so.
    master = write_master(tmp_path / "master")
    record = rec(
        1,
        "Okafor",
        "Chidi",
        "3 Maple Ct",
        "Atlanta",
        "GA",
        "30303",
        tin="000-12-3456",
        date_of_birth="2031-01-01",
        middle_name="4",
        name_suffix="XQ",
    )
    _, result = run_asked(
        tmp_path, master, [record, rec(2, "Lopez", "Maria", "9 Birch Rd", "Phoenix", "AZ", "85004")]
    )
    response = opened_response(result.response, tmp_path / "opened").to_pylist()
    assert [(r["outcome"], r["rejection_reason"], r["advisories"]) for r in response] == [
        ("DISCLOSED", None, "TIN_IMPOSSIBLE;DOB_FUTURE;NAME_MIDDLE_UNUSABLE;NAME_SUFFIX_UNUSABLE"),
        ("DISCLOSED", None, None),
    ]
    exported = StringIO()
    open_ledger(load_settings()).export_jsonl(exported)
    decisions = [
        entry["body"]
        for entry in (
            json.loads(json.loads(line)["entry"]) for line in exported.getvalue().splitlines()
        )
        if entry["kind"] == "record_decision"
    ]
    assert [d.get("advisories") for d in decisions] == [
        "TIN_IMPOSSIBLE;DOB_FUTURE;NAME_MIDDLE_UNUSABLE;NAME_SUFFIX_UNUSABLE",
        None,
    ]
    assert "advisories" not in decisions[1]  # entries without advisories read as before


def _one_taxpayer_master(  # noqa: PLR0917 - the taxpayer's fields, in the master's order
    folder: Path, last: str, first: str, middle: str, born: date, at: tuple[str, str, str, str]
) -> Path:
    """A master of one taxpayer (TIN 123456789) with one address of record."""
    return _household_master(folder, [(last, first, middle, born)], at)


def _household_master(
    folder: Path, people: list[tuple[str, str, str, date]], at: tuple[str, str, str, str]
) -> Path:
    """A master of ``people`` (last, first, middle name, date of birth; TINs 123456789 on),
    all at one address of record."""
    folder.mkdir()
    tins = [str(123456789 + i) for i in range(len(people))]
    write_master_table(
        folder / "taxpayers.parquet",
        pa.table(
            {
                "tin": tins,
                "tin_type": ["SSN"] * len(people),
                "last_name": [p[0] for p in people],
                "first_name": [p[1] for p in people],
                "middle_name": [p[2] for p in people],
                "name_suffix": pa.nulls(len(people), pa.string()),
                "date_of_birth": [p[3] for p in people],
            }
        ),
        "taxpayers",
    )
    street, city, state, zip_ = at
    write_master_table(
        folder / "addresses.parquet",
        pa.table(
            {
                "tin": tins,
                "tax_year": [2023] * len(people),
                "street_address": [street.upper()] * len(people),
                "unit": pa.nulls(len(people), pa.string()),
                "city": [city.upper()] * len(people),
                "state": [state] * len(people),
                "zip": [zip_] * len(people),
                "received_date": [date(2024, 4, 1)] * len(people),
            }
        ),
        "addresses",
    )
    return folder


def _decided(tmp_path: Path, master: Path, asked: dict[str, dict[str, str]]) -> dict[str, tuple]:
    _, result = run_asked(tmp_path, master, list(asked.values()))
    return {
        d["request_id"]: (d["outcome"], d["decision_code"])
        for d in pq.read_table(result.decisions).to_pylist()
    }


def test_a_middle_initial_that_conflicts_never_discloses_on_name_and_address_alone(
    tmp_path: Path,
) -> None:
    at = ("5 Elm St", "Dallas", "TX", "75201")
    master = _one_taxpayer_master(tmp_path / "master", "REED", "BETTY", "L", date(1950, 3, 4), at)
    asked = {
        "R1": rec(1, "Reed", "Betty", *at, middle_name="M"),
        "R2": rec(2, "Reed", "Betty", *at, middle_name="M", date_of_birth="1950-03-04"),
        "R3": rec(3, "Reed", "Betty", *at, middle_name="Louise"),
        "R4": rec(4, "Reed", "Betty", *at),
    }
    assert _decided(tmp_path, master, asked) == {
        "R1": ("NOT_DISCLOSED", "NAME_MISMATCH"),  # M against L: another person
        "R2": ("DISCLOSED", "MATCHED"),  # ... unless the date of birth agrees
        "R3": ("DISCLOSED", "MATCHED"),  # LOUISE and L agree by initial
        "R4": ("DISCLOSED", "MATCHED"),  # no middle name given: no evidence either way
    }


def test_a_date_of_birth_set_aside_still_tells_a_sister_of_one_name_apart(tmp_path: Path) -> None:
    """WILLOW N SANDERS files; her sister WILLOW G SANDERS, at the same address, does not. A
    request for the sister whose middle initial noise blanked gives the sister's date of birth, a
    child's: set aside as implausible, it is no evidence for the taxpayer, but it is another day
    than hers."""
    at = ("4584 Robinwood Dr", "Seattle", "WA", "98101")
    master = _one_taxpayer_master(
        tmp_path / "master", "SANDERS", "WILLOW", "N", date(2015, 3, 7), at
    )
    asked = {
        "R1": rec(1, "Sanders", "Willow", *at, date_of_birth="2024-01-02"),
        "R2": rec(2, "Sanders", "Willow", *at, date_of_birth="2015-03-07"),
        "R3": rec(3, "Sanders", "Willow", *at),
    }
    assert _decided(tmp_path, master, asked) == {
        "R1": ("NOT_DISCLOSED", "DOB_CONFLICT"),  # set aside, and another day: another person
        "R2": ("DISCLOSED", "MATCHED"),  # set aside, the same day: no evidence either way
        "R3": ("DISCLOSED", "MATCHED"),  # no date given
    }


def test_a_date_of_birth_set_aside_never_chooses_between_two_people_of_one_name(
    tmp_path: Path,
) -> None:
    """ANNA M THOMPSON and her daughter ANNA M THOMPSON both file from one address. A request for
    the mother that gives the daughter's date of birth (a household member's, copied) has it
    set aside as a child's: it tells the mother apart, but it may not choose the daughter."""
    at = ("4525 Princess Anne Rd", "Seattle", "WA", "98101")
    master = _household_master(
        tmp_path / "master",
        [
            ("THOMPSON", "ANNA", "M", date(1994, 11, 1)),
            ("THOMPSON", "ANNA", "M", date(2013, 2, 19)),
        ],
        at,
    )
    asked = {
        "R1": rec(1, "Thompson", "Anna", *at, middle_name="M", date_of_birth="2013-02-19"),
        "R2": rec(2, "Thompson", "Anna", *at, middle_name="M", date_of_birth="1994-11-01"),
        "R3": rec(3, "Thompson", "Anna", *at, middle_name="M"),
    }
    assert _decided(tmp_path, master, asked) == {
        "R1": ("NOT_DISCLOSED", "AMBIGUOUS"),  # the date set aside: either of them
        "R2": ("DISCLOSED", "MATCHED"),  # the mother's date, a usable one, tells them apart
        "R3": ("NOT_DISCLOSED", "AMBIGUOUS"),  # no date: either of them
    }


def test_a_date_of_birth_overrides_a_middle_conflict_only_where_the_given_name_is_the_same(
    tmp_path: Path,
) -> None:
    # The nickname lists make ROBERT and WILLIAM variants (both list BILL): with a date of birth
    # copied from a household member, the date once overrode the conflicting middle initials and
    # disclosed WILLIAM G for ROBERT T.
    at = ("5 Elm St", "Dallas", "TX", "75201")
    master = _one_taxpayer_master(
        tmp_path / "master", "REED", "WILLIAM", "G", date(1980, 2, 21), at
    )
    born = "1980-02-21"
    asked = {
        "R1": rec(1, "Reed", "Robert", *at, middle_name="T", date_of_birth=born),
        "R2": rec(2, "Reed", "Bill", *at, middle_name="T", date_of_birth=born),
        "R3": rec(3, "Reed", "William", *at, middle_name="T", date_of_birth=born),
        "R4": rec(4, "Reed", "Robert", *at, middle_name="T", tin="123456789"),
    }
    assert _decided(tmp_path, master, asked) == {
        "R1": ("NOT_DISCLOSED", "NAME_MISMATCH"),  # ROBERT meets WILLIAM only through a key
        "R2": ("NOT_DISCLOSED", "NAME_MISMATCH"),  # BILL too: a key is not the same name
        "R3": ("DISCLOSED", "MATCHED"),  # the same given name: the date overrides T against G
        "R4": ("DISCLOSED", "MATCHED"),  # an agreeing TIN overrides at any name level
    }


def test_a_master_that_is_not_there_stops_the_run_after_intake(
    world: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """The master is hashed beside intake; a folder without it still stops the run with the
    message reading it gives, once the batch is taken in and recorded."""
    _, manifest, signers = world
    missing = tmp_path / "no-master"
    with pytest.raises(FormatError, match="master folder not found"):
        run_batch(
            manifest, missing, read_signers(signers), load_settings(), tmp_path / "out", now=NOW
        )
    exported = StringIO()
    open_ledger(load_settings()).export_jsonl(exported)
    kinds = [
        json.loads(json.loads(line)["entry"])["kind"] for line in exported.getvalue().splitlines()
    ]
    assert kinds[-1] == "batch_received"


def test_the_index_found_by_a_fingerprint_begun_early_is_the_same(
    world: tuple[Path, Path, Path],
) -> None:
    master, _, _ = world
    settings = load_settings()
    built = ensure_index(master, settings)
    assert ensure_index(master, settings, fingerprinted=fingerprint_beside(master)) == built


def test_a_tin_with_a_leading_zero_comes_back_whole(tmp_path: Path) -> None:
    """The engine holds TINs as integers; MARIA LOPEZ's TIN, 045678912, must leave it as nine
    digits: in the decision, the candidate list, the last known address's lookup and the
    TIN-only counterfactual."""
    master = write_master(tmp_path / "master")
    at = ("9 Birch Rd", "Phoenix", "AZ", "85004")
    asked = [rec(1, "Lopez", "Maria", *at, tin="045-67-8912"), rec(2, "Lopez", "Maria", *at)]
    batch, result = run_asked(tmp_path, master, asked)
    decisions = pq.read_table(result.decisions).to_pylist()
    assert [(d["outcome"], d["matched_tin"]) for d in decisions] == [
        ("DISCLOSED", "045678912"),
        ("DISCLOSED", "045678912"),
    ]
    assert [[c["tin"] for c in d["candidate_list"]] for d in decisions] == [["045678912"]] * 2
    assert decisions[0]["candidate_list"][0]["tin_level"] == 0  # the request's TIN agrees
    response = opened_response(result.response, tmp_path / "opened").to_pylist()
    assert [r["street_address"] for r in response] == ["9 BIRCH RD", "9 BIRCH RD"]
    intake = intake_batch(batch.manifest, read_signers(batch.signers), load_settings(), [], now=NOW)
    assert result.index is not None
    tin_only = policy_disclosures(without_intake(intake), result.index, "tin-only")
    assert tin_only.to_pylist() == [{"request_id": asked[0]["request_id"], "tin": "045678912"}]
