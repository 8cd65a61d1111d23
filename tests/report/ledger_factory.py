"""A ledger with every kind of entry a report reads, appended through ``Ledger.append``.

Two agencies, three weeks, decisions with every outcome, scores across the range and on
the thresholds, reviews, a hold that withheld records, a recall with its incident and
certification, refused and quarantined batches. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ivs.domain.codes import REJECTION_CODES
from ivs.formats.manifest import Recipient
from ivs.ledger import entries as e
from ivs.ledger.log import Ledger

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
STATUTE = "8 U.S.C. 1253(a)(1)"
OFFICER = Recipient("Dana Reyes", "Supervisory Special Agent", "ERO Houston")
STATES = ["TX", "CA", "AZ", "NY", "GA", "FL", "IL", None]
REJECTIONS = ["ADDRESS_PLACEHOLDER", "ADDRESS_BARE_NUMBER", "NAME_PLACEHOLDER", "ANUMBER_MALFORMED"]
NOT_DISCLOSED = ["NO_CANDIDATE", "ADDRESS_MISMATCH", "AMBIGUOUS", "BELOW_THRESHOLD"]


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    agency: str
    records: int
    at: datetime


BATCHES = [
    Batch("ICE-2025-0001", "ICE", 180, START),
    Batch("ICE-2025-0002", "ICE", 140, START + timedelta(days=8, hours=3)),
    Batch("CBP-2025-0001", "CBP", 90, START + timedelta(days=15, hours=1)),
]
HELD_BATCH = "ICE-2025-0002"


def _decision(rng: random.Random) -> tuple[str, str, str | None]:
    roll = rng.random()
    if roll < 0.2:
        return "REJECTED", rng.choice(REJECTIONS), None
    if roll < 0.55:
        return "DISCLOSED", "MATCHED", f"{rng.choice([0.999, 0.9995, 0.999999, 1.0]):.6f}"
    if roll < 0.65:
        return "NOT_DISCLOSED", "REVIEW", f"{rng.uniform(0.95, 0.998):.6f}"
    code = rng.choice(NOT_DISCLOSED)
    score = None if code == "NO_CANDIDATE" else f"{rng.uniform(0.0, 0.949):.6f}"
    return "NOT_DISCLOSED", code, score


def build_ledger(ledger: Ledger, seed: int = 8) -> None:
    rng = random.Random(seed)
    assert set(REJECTIONS) <= set(REJECTION_CODES)
    ledger.append(
        [
            e.pilot_changed(
                at=START - timedelta(days=30),
                action="enable",
                state="TX",
                zip3=None,
                effective="2025-01-01",
                changed_by="pilot.officer",
            ),
            e.pilot_changed(
                at=START - timedelta(days=30),
                action="enable",
                state="CA",
                zip3="900",
                effective="2025-01-01",
                changed_by="pilot.officer",
            ),
            e.batch_refused(
                at=START - timedelta(days=1),
                batch_id=None,
                manifest_digest="ab" * 32,
                problems=["the manifest's signature does not verify"],
            ),
        ]
    )
    hold_at = BATCHES[1].at + timedelta(minutes=1)
    for batch in BATCHES:
        ledger.append(
            [
                e.batch_received(
                    at=batch.at,
                    batch_id=batch.batch_id,
                    manifest_digest=f"{batch.records:064x}",
                    signer_key_id="k1",
                    requesting_agency=batch.agency,
                    statute=STATUTE,
                    tax_periods=["2023", "2024"],
                    record_count=batch.records,
                    recipients=[OFFICER],
                )
            ]
        )
        if batch.batch_id == HELD_BATCH:
            ledger.append(
                [
                    e.hold_placed(
                        at=hold_at,
                        hold_id="H-2025-0001",
                        scope="state:AZ",
                        authority="Order of the U.S. District Court, D. Ariz., No. 25-cv-101",
                        placed_by="counsel",
                        reason="temporary restraining order",
                    )
                ]
            )
        decisions, disclosures = [], []
        outcomes: dict[str, int] = {}
        codes: dict[str, int] = {}
        for k in range(batch.records):
            at = batch.at + timedelta(minutes=2, seconds=k)
            outcome, code, score = _decision(rng)
            state = rng.choice(STATES)
            if batch.batch_id == HELD_BATCH and state == "AZ" and outcome == "DISCLOSED":
                outcome, code = "NOT_DISCLOSED", "HELD"
            request_id = f"R{k:07d}"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            codes[code] = codes.get(code, 0) + 1
            decisions.append(
                e.record_decision(
                    at=at,
                    agency=batch.agency,
                    batch_id=batch.batch_id,
                    request_id=request_id,
                    outcome=outcome,
                    code=code,
                    rule_set="rs" + "0" * 62,
                    software_version="0.1.0",
                    state=state,
                    score=score,
                )
            )
            if outcome == "DISCLOSED":
                disclosures.append(
                    e.disclosure(
                        at=at,
                        batch_id=batch.batch_id,
                        request_id=request_id,
                        tin=f"9{rng.randrange(10**7, 10**8)}",
                        recipient_agency=batch.agency,
                        recipients=[OFFICER],
                        statute=STATUTE,
                        purpose="removal",
                        fields=["street_address", "unit", "city", "state", "zip"],
                        values_digest=f"{k:064x}",
                    )
                )
        ledger.append(decisions)
        disclosed_at = ledger.append(disclosures)
        done = batch.at + timedelta(minutes=10)
        tin_only = outcomes.get("DISCLOSED", 0) + 23
        ledger.append(
            [
                e.batch_completed(
                    at=done,
                    agency=batch.agency,
                    batch_id=batch.batch_id,
                    records=batch.records,
                    outcomes=outcomes,
                    codes=codes,
                    rule_set="rs" + "0" * 62,
                    counterfactual={
                        "disclosed": tin_only,
                        "on_rejected_requests": 11,
                        "not_lawful": 23,
                    },
                ),
                e.response_released(
                    at=done,
                    agency=batch.agency,
                    batch_id=batch.batch_id,
                    response_sha256="cd" * 32,
                    record_count=batch.records,
                ),
                e.response_fetched(
                    at=done + timedelta(hours=2),
                    batch_id=batch.batch_id,
                    user="ice.user",
                    agency=batch.agency,
                ),
            ]
        )
        reviews = [d for d in decisions if d.body["code"] == "REVIEW"][
            : max(1, sum(1 for d in decisions if d.body["code"] == "REVIEW") - 2)
        ]
        ledger.append(
            [
                e.review_decision(
                    at=batch.at + timedelta(hours=1 + 7 * k),
                    case_id=f"C{k}",
                    agency=batch.agency,
                    batch_id=batch.batch_id,
                    request_id=str(d.body["request_id"]),
                    reviewer="reviewer.one",
                    decision="approved" if k % 3 else "refused",
                    reason="address confirmed on two returns",
                )
                for k, d in enumerate(reviews)
            ]
        )
        # The approved cases go out in a supplement, each disclosure on the record.
        released_at = batch.at + timedelta(hours=2 + 7 * len(reviews))
        approved = [d for k, d in enumerate(reviews) if k % 3]
        ledger.append(
            [
                *(
                    e.disclosure(
                        at=released_at,
                        batch_id=batch.batch_id,
                        request_id=str(d.body["request_id"]),
                        tin=f"9{rng.randrange(10**7, 10**8)}",
                        recipient_agency=batch.agency,
                        recipients=[OFFICER],
                        statute=STATUTE,
                        purpose="removal",
                        fields=["street_address", "unit", "city", "state", "zip"],
                        values_digest="ab" * 32,
                    )
                    for d in approved
                ),
                e.response_released(
                    at=released_at,
                    agency=batch.agency,
                    batch_id=batch.batch_id,
                    response_sha256="ef" * 32,
                    record_count=len(approved),
                ),
            ]
        )
        if batch.batch_id == BATCHES[0].batch_id:
            recalled = list(disclosed_at[:3])
            ledger.append(
                [
                    e.recall_issued(
                        at=done + timedelta(days=2),
                        notice_id="RN-2025-0001",
                        recipient_agency=batch.agency,
                        scope=f"batch:{batch.batch_id}",
                        order="destroy",
                        disclosure_entries=recalled,
                        certify_by="2025-03-20",
                        issued_by="disclosure.officer",
                    ),
                    e.incident_reported(
                        at=done + timedelta(days=2, hours=1),
                        incident_id="INC-2025-0001",
                        notice_id="RN-2025-0001",
                        unauthorized_disclosures=len(recalled),
                        report_sha256="ef" * 32,
                        reported_by="disclosure.officer",
                    ),
                    e.destruction_certified(
                        at=done + timedelta(days=6),
                        notice_id="RN-2025-0001",
                        certified_by="ICE records officer",
                        certified_on="2025-03-11",
                    ),
                    e.duplicate_submission(
                        at=done + timedelta(days=1),
                        agency=batch.agency,
                        batch_id=batch.batch_id,
                        manifest_digest=f"{batch.records:064x}",
                        first_received_at=batch.at.isoformat(),
                    ),
                ]
            )
        if batch.batch_id == HELD_BATCH:
            ledger.append(
                [
                    e.hold_lifted(
                        at=done + timedelta(days=3),
                        hold_id="H-2025-0001",
                        lifted_by="counsel",
                        reason="order dissolved",
                    )
                ]
            )
    quarantined_at = START + timedelta(days=16)
    ledger.append(
        [
            e.batch_received(
                at=quarantined_at,
                batch_id="CBP-2025-0002",
                manifest_digest="12" * 32,
                signer_key_id="k2",
                requesting_agency="CBP",
                statute=STATUTE,
                tax_periods=["2024"],
                record_count=60,
                recipients=[OFFICER],
            ),
            e.batch_quarantined(
                at=quarantined_at,
                agency="CBP",
                batch_id="CBP-2025-0002",
                manifest_digest="12" * 32,
                reason="41 % of records rejected",
            ),
        ]
    )
    ledger.checkpoint()
