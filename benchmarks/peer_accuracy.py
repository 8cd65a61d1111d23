"""Accuracy on people this project did not invent: worlds built from pseudopeople.

pseudopeople (IHME) simulates a US population for testing record linkage and writes it out as
the records of several agencies, each with its own noise. This builds an `ivs` world from it:

- the **master file** from the simulated tax data (1040 filers and spouses, W-2 and 1099
  recipients) as the tax agency holds it, without noise: one taxpayer per SSN, named as on the
  latest return, with an address of record per form and tax year; the date of birth from the
  simulated Social Security records;
- the **requests** from the simulated surveys and program records (ACS, CPS, WIC) *with* their
  noise, one batch holding every noise seed, signed in the contract format (formats.md §1);
- the **truth** from the same records without noise, joined by simulant id: who each request
  names, whether that person is a taxpayer, and whether the request's own (noiseless) address is
  one of that taxpayer's addresses of record, to the unit.

The decennial census is left out on purpose: it is kept for an independent check. The Social
Security records carry no address, so they cannot be requests; they give the master its dates
of birth.

pseudopeople's sample data puts everyone in one placeholder town ("Anytown", WA, ZIP 00000). The
placeholder is replaced by one real ZIP and its city (98101, SEATTLE) on both sides; a request's
noisy ZIP keeps its noise (each digit the noise changed stays changed, `00009` becomes `98109`),
a missing ZIP stays missing, and a noisy city or state is kept as written. Nothing about who
lives where is invented; with one ZIP for everyone, the house-number blocking is harder than in
a real ZIP.

Then it runs the real pipeline (`ivs init`, `ivs run`) on the batch and grades its decisions
and an exact matcher (first name, last name, house number and ZIP all equal, after trimming and
upper-casing, to one taxpayer only) in the same run, printed side by side:

    .venv/bin/python benchmarks/peer_accuracy.py --taxpayers 5000 --seeds 1 2 3

Beside the figures it prints the cause of every matchable request not disclosed to its person
(``miss_cause``: intake's rejection, blocking, then the named taxpayer's name, address, date of
birth and middle-name levels, ambiguity, the probability band) and a calibration table: by
band of match probability, the share of candidate pairs that are the person named, over all
pairs and over a request's only plausible candidate. With ``--train 4 5`` it also writes a
batch of those noise seeds whose requests carry the named taxpayer's TIN, trains a model on it
(``ivs model train``, against the same master) and grades the run again with that model.

With ``--noise-scale X`` the requests' noise is pseudopeople's default for each source with
every cell and token probability multiplied by X and capped at 0.95 (the master stays
noiseless; the truth is computed as always); ``--scale-row-noise`` also multiplies the row noise
(non-response, omitted rows), which removes requests rather than making them noisier:

    .venv/bin/python benchmarks/peer_accuracy.py --taxpayers 5000 --seeds 1 2 3 --noise-scale 4

"Matchable": the request names a taxpayer, its noiseless address is one of that taxpayer's
addresses of record to the unit, the noisy request still carries every required field, a house
number and a street name, and no other taxpayer at that address has the same first and last name.
"Lawful" (``t_lawful``, :func:`_unlawful_why`): the request as received may be answered with an
address under the statute (the taxpayer's name and address) and the data contract (formats.md
§1.2), judged from its own fields without ``ivs``'s code: no pseudopeople fake name and no single
letter in a name field, a state that is a USPS code, a ZIP of the contract's form that lies in
that state. Recall is printed over both denominators, the lawful and matchable (issue 21's
figure) and all matchable (the figure before), with each matcher's disclosures on requests that
are not lawful; wrong persons count over everything disclosed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ivs.formats import write_master_table
from ivs.formats.records import write_records
from ivs.synth.signing import DIRECTOR_KEY_ID, test_keys, write_keys, write_signed_manifest

ZIP = "98101"
CITY = "SEATTLE"
PLACEHOLDER_ZIP = "00000"
PLACEHOLDER_CITY = "Anytown"
SUBMITTED_AT = "2025-06-27T14:00:00Z"
ORDER_FINAL = "2024-11-04"
TAX_YEARS = range(2019, 2025)  # returns received by the batch's date
REQUEST_YEARS = range(2019, 2026)
BATCH_ID = "PEER-A"
TRAIN_BATCH_ID = "PEER-T"
KEY_SEED = 21  # the test signing keys are derived from a number; any will do
SOURCES = ("acs", "cps", "wic")
REQUIRED = ("first_name", "last_name", "street_address", "city", "state", "zip")


def _psp() -> Any:
    # pseudopeople and its dependencies warn about pandas and tables internals, and show a
    # progress bar for every dataset.
    os.environ.setdefault("TQDM_DISABLE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pseudopeople

    return pseudopeople


DATASETS = {
    "acs": "american_community_survey",
    "cps": "current_population_survey",
    "wic": "women_infants_and_children",
}
MAX_PROBABILITY = 0.95  # the cap on a scaled noise probability
SCALED = ("cell_probability", "token_probability")


def _scaled_config(name: str, scale: float, *, rows: bool = False) -> dict[str, Any]:
    """pseudopeople's default noise for one request dataset, its probabilities times ``scale``.

    Every column noise's ``cell_probability`` and ``token_probability`` is multiplied, capped at
    :data:`MAX_PROBABILITY`; the shapes of the noise (which digits of a ZIP, how far an age is
    misreported) are left as they are. The row noise (a person who does not respond, a row
    omitted) removes requests rather than making them noisier: it is scaled only with ``rows``.
    """
    dataset = DATASETS[name]
    default = _psp().get_config()[dataset]

    def times(value: float) -> float:
        return min(float(value) * scale, MAX_PROBABILITY)

    column_noise = {
        column: {
            noise: {k: times(v) for k, v in params.items() if k in SCALED}
            for noise, params in noises.items()
            if any(k in SCALED for k in params)
        }
        for column, noises in default["column_noise"].items()
    }
    config: dict[str, Any] = {"column_noise": column_noise}
    if rows:
        config["row_noise"] = {
            noise: {"row_probability": times(params["row_probability"])}
            for noise, params in default["row_noise"].items()
        }
    return {dataset: config}


def _generate(
    name: str,
    *,
    seed: int = 0,
    noise: bool = True,
    year: int | None = None,
    scale: float = 1.0,
    scale_rows: bool = False,
) -> Any:
    psp = _psp()
    generate = {
        "1040": psp.generate_taxes_1040,
        "w2": psp.generate_taxes_w2_and_1099,
        "acs": psp.generate_american_community_survey,
        "cps": psp.generate_current_population_survey,
        "wic": psp.generate_women_infants_and_children,
        "ssa": psp.generate_social_security,
    }[name]
    kwargs: dict[str, Any] = {"seed": seed, "year": year, "verbose": False}
    if not noise:
        kwargs["config"] = psp.NO_NOISE
    elif scale != 1.0 or scale_rows:
        kwargs["config"] = _scaled_config(name, scale, rows=scale_rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return generate(**kwargs)


def _text(series: pd.Series) -> pd.Series:
    """Strings with missing values as None (pseudopeople mixes NaN, None and pandas NA)."""
    out = series.astype("string").str.strip()
    return out.astype(object).where(out.notna() & (out != ""), None)


def _values(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in series]


def _street(number: pd.Series, name: pd.Series, po_box: pd.Series | None = None) -> pd.Series:
    number, name = _text(number), _text(name)
    street = (number.fillna("") + " " + name.fillna("")).str.strip()
    street = street.where(number.notna() | name.notna(), None)
    if po_box is not None:
        box = _text(po_box)
        street = street.where(box.isna(), "PO BOX " + box.fillna(""))
    return street


def _address_key(number: pd.Series, name: pd.Series, unit: pd.Series) -> pd.Series:
    """The noiseless address as a comparable key: number, street name and unit, upper-cased."""
    parts = [_text(s).fillna("").str.upper() for s in (number, name, unit)]
    return parts[0] + "|" + parts[1] + "|" + parts[2]


def _noisy_zip(zipcode: pd.Series) -> pd.Series:
    """The placeholder ZIP replaced by the real one, each digit the noise changed kept."""
    text = _text(zipcode)

    def one(value: object) -> object:
        if value is None:
            return None
        s = str(value)
        if len(s) != len(PLACEHOLDER_ZIP):
            return s
        return "".join(r if c == "0" else c for c, r in zip(s, ZIP, strict=True))

    return text.map(one)


def _noisy_city(city: pd.Series) -> pd.Series:
    text = _text(city)
    return text.where(text != PLACEHOLDER_CITY, CITY)


def _iso_date(dob: pd.Series) -> pd.Series:
    """pseudopeople writes MM/DD/YYYY (surveys) or MMDDYYYY (WIC); the contract wants ISO.

    The digits are moved as written, so a noisy date stays noisy (a 13th month stays one).
    """
    text = _text(dob).str.replace("/", "", regex=False)
    ok = text.map(lambda v: v is not None and len(v) == 8 and v.isdigit()).astype(bool)
    iso = text.str[4:8] + "-" + text.str[0:2] + "-" + text.str[2:4]
    return iso.where(ok, text).astype(object)


@dataclass
class PeerWorld:
    folder: Path
    manifest: Path
    master: Path
    signers: Path
    truth: pd.DataFrame
    taxpayers: pd.DataFrame
    addresses: pd.DataFrame
    training: Path | None = None


def _master() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(taxpayers with simulant_id, addresses with simulant_id and address key), noiseless."""
    f1040 = _generate("1040", noise=False)
    f1040 = f1040[f1040.tax_year.astype(int).isin(TAX_YEARS)]
    w2 = _generate("w2", noise=False)
    w2 = w2[w2.tax_year.astype(int).isin(TAX_YEARS)]
    # A W-2 may carry an SSN its holder borrowed: only SSNs used by one simulant name a taxpayer.
    ssn_users = pd.concat(
        [f1040[["ssn", "simulant_id"]], w2[["ssn", "simulant_id"]]]
    ).drop_duplicates()
    ssn_users = ssn_users.dropna()
    counts = ssn_users.groupby("ssn").simulant_id.transform("size")
    owned = ssn_users[counts == 1]
    own_ssn = owned.groupby("simulant_id").ssn.first()

    def rows(frame: pd.DataFrame, prefix: str, sim: pd.Series, received: tuple[int, int]) -> Any:
        return pd.DataFrame(
            {
                "simulant_id": sim.to_numpy(),
                "first_name": _text(frame[f"{prefix}first_name"]).to_numpy(),
                "middle_name": _text(frame[f"{prefix}middle_initial"]).to_numpy(),
                "last_name": _text(frame[f"{prefix}last_name"]).to_numpy(),
                "tax_year": frame.tax_year.astype(int).to_numpy(),
                "street_address": _street(
                    frame.mailing_address_street_number,
                    frame.mailing_address_street_name,
                    frame.mailing_address_po_box,
                ).to_numpy(),
                "unit": _text(frame.mailing_address_unit_number).to_numpy(),
                "key": _address_key(
                    frame.mailing_address_street_number,
                    frame.mailing_address_street_name,
                    frame.mailing_address_unit_number,
                )
                .where(_text(frame.mailing_address_po_box).isna(), None)
                .to_numpy(),
                "received_date": [
                    date(int(y) + 1, received[0], received[1]) for y in frame.tax_year
                ],
            }
        )

    ssn_to_sim = owned.set_index("ssn").simulant_id
    joint = f1040[f1040.spouse_ssn.notna()]
    spouse_sim = joint.spouse_ssn.map(ssn_to_sim)
    filed = pd.concat(
        [
            rows(f1040, "", f1040.simulant_id, (4, 1)),
            rows(joint[spouse_sim.notna()], "spouse_", spouse_sim.dropna(), (4, 1)),
            rows(w2, "", w2.simulant_id, (2, 1)),
        ],
        ignore_index=True,
    )
    filed = filed[filed.simulant_id.isin(own_ssn.index) & filed.street_address.notna()]
    filed = filed[filed.first_name.notna() & filed.last_name.notna()]
    latest = filed.sort_values(["tax_year", "received_date"]).groupby("simulant_id").tail(1)
    ssa = _generate("ssa", noise=False)
    dob = (
        ssa[ssa.event_type == "creation"]
        .drop_duplicates("simulant_id")
        .set_index("simulant_id")
        .date_of_birth
    )
    born = pd.to_datetime(latest.simulant_id.map(dob), format="%Y%m%d", errors="coerce")
    taxpayers = pd.DataFrame(
        {
            "simulant_id": latest.simulant_id.to_numpy(),
            "tin": latest.simulant_id.map(own_ssn).str.replace("-", "", regex=False).to_numpy(),
            "tin_type": "SSN",
            "last_name": latest.last_name.to_numpy(),
            "first_name": latest.first_name.to_numpy(),
            "middle_name": latest.middle_name.to_numpy(),
            "name_suffix": None,
            "date_of_birth": [d.date() if pd.notna(d) else None for d in born],
        }
    )
    addresses = filed.drop_duplicates(["simulant_id", "tax_year", "street_address", "unit"])
    addresses = addresses.merge(taxpayers[["simulant_id", "tin"]], on="simulant_id")
    return taxpayers, addresses


def _requests(
    seeds: list[int], *, noise_scale: float = 1.0, scale_rows: bool = False
) -> pd.DataFrame:
    """Every noisy survey and program record of the request years, with its noiseless twin.

    The noise is pseudopeople's default times ``noise_scale`` (:func:`_scaled_config`).
    """
    frames = []
    for source in SOURCES:
        clean = _generate(source, noise=False)
        period = "year" if source == "wic" else "survey_date"
        clean["period"] = clean[period].astype(str)
        clean = clean.drop_duplicates(["simulant_id", "period"])
        clean = clean.assign(
            t_key=_address_key(clean.street_number, clean.street_name, clean.unit_number)
        )[["simulant_id", "period", "household_id", "t_key", "first_name", "last_name"]]
        clean = clean.rename(columns={"first_name": "t_first", "last_name": "t_last"})
        for seed in seeds:
            noisy = _generate(source, seed=seed, scale=noise_scale, scale_rows=scale_rows)
            noisy["period"] = noisy[period].astype(str)
            noisy = noisy.drop_duplicates(["simulant_id", "period"])
            both = noisy.merge(clean, on=["simulant_id", "period"], how="inner")
            year = both.period.str[:4].astype(int)
            both = both[year.isin(REQUEST_YEARS)]
            frames.append(
                pd.DataFrame(
                    {
                        "source": source,
                        "seed": seed,
                        "simulant_id": both.simulant_id.to_numpy(),
                        "household_id": both.household_id_y.to_numpy(),
                        "t_key": both.t_key.to_numpy(),
                        "t_first": _text(both.t_first).str.upper().to_numpy(),
                        "t_last": _text(both.t_last).str.upper().to_numpy(),
                        "last_name": _text(both.last_name).to_numpy(),
                        "first_name": _text(both.first_name).to_numpy(),
                        "middle_name": _text(both.middle_initial).to_numpy(),
                        "street_address": _street(both.street_number, both.street_name).to_numpy(),
                        "house_number": _text(both.street_number).to_numpy(),
                        "street_name": _text(both.street_name).to_numpy(),
                        "unit": _text(both.unit_number).to_numpy(),
                        "city": _noisy_city(both.city).to_numpy(),
                        "state": _text(both.state).to_numpy(),
                        "zip": _noisy_zip(both.zipcode).to_numpy(),
                        "date_of_birth": _iso_date(both.date_of_birth).to_numpy(),
                    }
                )
            )
    requests = pd.concat(frames, ignore_index=True)
    requests.insert(0, "request_id", [f"P{i:06d}" for i in range(len(requests))])
    return requests


@functools.cache
def _fake_names() -> frozenset[str]:
    """pseudopeople's fake names ("BOY", "RESPONDENT", "MOH"): its noise that puts a
    placeholder in a name field, which no name rule may read as the person's name."""
    from pseudopeople.data import fake_names

    return frozenset(n.upper() for n in fake_names.fake_first_names + fake_names.fake_last_names)


# formats.md §1.2: `zip` is "ZIP or ZIP+4" (12345 or 12345-6789, as the reason code
# ADDRESS_MALFORMED_ZIP tells the requester).
ZIP_FORM = re.compile(r"\d{5}(-\d{4})?")
# The letters a scan puts for digits (O for 0, I and L for 1) are read as those digits before the
# ZIP's form is judged: a ZIP misread by OCR still gives the address, as a name misread by OCR
# still gives the name. Any other character leaves it malformed.
OCR_DIGITS = str.maketrans("OoIiLl", "001111")


@functools.cache
def _zip_states() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(ZIP -> its states, first three digits -> the states of the ZIPs under them), from the
    public ``zipcodes`` table, read here directly (not through ``ivs``'s intake)."""
    import zipcodes

    exact: dict[str, set[str]] = {}
    for row in zipcodes.list_all():
        exact.setdefault(row["zip_code"], set()).add(row["state"])
    prefix: dict[str, set[str]] = {}
    for z, states in exact.items():
        prefix.setdefault(z[:3], set()).update(states)
    return (
        {k: frozenset(v) for k, v in exact.items()},
        {k: frozenset(v) for k, v in prefix.items()},
    )


def _unlawful_why(request: Any) -> str | None:
    """Why a request, as received, may not be answered with an address; None when it may.

    26 U.S.C. 6103(i)(2)(B)(i) asks for the taxpayer's name and address, and formats.md §1.2
    says what the contract takes for them: `last_name`, `first_name`, `street_address` (a
    delivery line: house number and street), `city`, `state` and `zip` are required; `state`
    is a USPS two-letter code; `zip` is a ZIP or ZIP+4. Judged here from the request's own
    fields, without ``ivs``'s code, the first reason that applies:

    - a name field empty, holding fewer than two letters (W, E: an initial is no name), or
      holding one of pseudopeople's fake names (BOY, RESPONDENT, MOH: its noise that puts a
      placeholder where the name was), which gives no name;
    - no delivery line, or one without a house number or a street name;
    - no city (required by formats.md §1.2, though the ZIP locates the address without it);
    - a state that is not a code the ``zipcodes`` table knows (empty included);
    - a ZIP not of the contract's form once OCR's letters for digits are read back
      (``OCR_DIGITS``; empty included);
    - a ZIP that does not lie in the stated state: the table's state for that ZIP or, for a ZIP
      it does not list, the states of the listed ZIPs that share its first three digits (a
      sectional center lies in one state); a ZIP whose first three digits no listed ZIP
      shares lies in no state.
    """

    def given(value: object) -> bool:
        return isinstance(value, str) and value.strip() != ""

    for field in (request.first_name, request.last_name):
        if not given(field):
            return "a name field is empty"
        text = " ".join(str(field).upper().split())
        if sum(ch.isalpha() for ch in text) < 2:
            return "a name field holds one letter"
        if text in _fake_names():
            return "a pseudopeople fake name in a name field"
    if not (given(request.street_address) and given(request.house_number)):
        return "no delivery line, or no house number in it"
    if not given(request.street_name):
        return "no street name in the delivery line"
    if not given(request.city):
        return "no city (formats.md §1.2 requires one)"
    exact, prefix = _zip_states()
    state = request.state.strip().upper() if given(request.state) else ""
    if state not in frozenset().union(*exact.values()):
        return "the state is not a USPS code"
    zip_text = request.zip.strip().translate(OCR_DIGITS) if given(request.zip) else ""
    if not ZIP_FORM.fullmatch(zip_text):
        return "the ZIP is not 5 digits or ZIP+4"
    zip5 = zip_text[:5]
    states = exact.get(zip5, prefix.get(zip5[:3], frozenset()))
    if not states:
        return "the ZIP lies in no state (no listed ZIP shares its first three digits)"
    if state not in states:
        return "the ZIP lies in another state"
    return None


def build_world(
    folder: Path,
    *,
    taxpayers: int,
    seeds: list[int],
    seed: int = 0,
    train_seeds: list[int] | None = None,
    noise_scale: float = 1.0,
    scale_rows: bool = False,
) -> PeerWorld:
    """Write master, signed batch, signers and truth under ``folder``; return them.

    With ``train_seeds``, a second batch of the same sources at those noise seeds, matched
    against the same master, is written for ``ivs model train``: each of its requests that
    names a taxpayer carries that taxpayer's TIN (the TIN-verified pairs m is estimated from).
    """
    rng = np.random.default_rng(seed)
    people, addresses = _master()
    requests = _requests(
        [*seeds, *(train_seeds or [])], noise_scale=noise_scale, scale_rows=scale_rows
    )
    # Everyone at an address some request names, and every requested taxpayer, then others.
    at_requested = addresses.key.isin(set(requests.t_key))
    keep = set(addresses.simulant_id[at_requested]) | (
        set(requests.simulant_id) & set(people.simulant_id)
    )
    others = np.array(sorted(set(people.simulant_id) - keep), dtype=object)
    extra = max(taxpayers - len(keep), 0)
    keep |= set(rng.permutation(others)[:extra])
    people = people[people.simulant_id.isin(keep)].sort_values("tin", ignore_index=True)
    addresses = addresses[addresses.simulant_id.isin(keep)].reset_index(drop=True)

    master = folder / "master"
    master.mkdir(parents=True, exist_ok=True)
    write_master_table(
        master / "taxpayers.parquet",
        pa.Table.from_pandas(people.drop(columns=["simulant_id"]), preserve_index=False),
        "taxpayers",
    )
    address_table = addresses.assign(city=CITY, state="WA", zip=ZIP)[
        ["tin", "tax_year", "street_address", "unit", "city", "state", "zip", "received_date"]
    ]
    write_master_table(
        master / "addresses.parquet",
        pa.Table.from_pandas(address_table, preserve_index=False),
        "addresses",
    )

    # The truth: who each request names and whether the lawful answer is a disclosure.
    tin_of = people.set_index("simulant_id").tin
    requests["t_tin"] = requests.simulant_id.map(tin_of)
    own = addresses[["simulant_id", "key"]].dropna().drop_duplicates()
    own_keys = set(zip(own.simulant_id, own.key, strict=True))
    at_address = requests.t_tin.notna() & pd.Series(
        [(s, k) in own_keys for s, k in zip(requests.simulant_id, requests.t_key, strict=True)],
        index=requests.index,
    )
    # The statute asks for the address: a request whose noise left no house number or no
    # street name gives none, and its lawful answer is a rejection.
    complete = (
        requests[list(REQUIRED)].notna().all(axis=1)
        & requests.house_number.notna()
        & requests.street_name.notna()
    )
    # Two taxpayers of one name at one address: the law cannot tell them apart.
    named = addresses.merge(people[["simulant_id", "first_name", "last_name"]], on="simulant_id")
    named = named.assign(
        first=named.first_name_y.str.upper(), last=named.last_name_y.str.upper()
    ).drop_duplicates(["simulant_id", "key"])
    twins = named.groupby(["key", "first", "last"]).simulant_id.transform("size") > 1
    twin_keys = set(zip(named.key[twins], named["first"][twins], named["last"][twins], strict=True))
    ambiguous = pd.Series(
        [
            (k, f, la) in twin_keys
            for k, f, la in zip(requests.t_key, requests.t_first, requests.t_last, strict=True)
        ],
        index=requests.index,
    )
    requests["t_matchable"] = at_address & complete & ~ambiguous
    requests["t_ambiguous"] = at_address & ambiguous
    # Lawful to answer with an address, as received (_unlawful_why): decided from the request's
    # fields alone, so ivs's intake does not define the recall it is graded on.
    why = [_unlawful_why(r) for r in requests.itertuples()]
    requests["t_unlawful_why"] = pd.Series(why, index=requests.index, dtype=object)
    requests["t_lawful"] = requests.t_unlawful_why.isna()
    requests["t_lawful_matchable"] = requests.t_matchable & requests.t_lawful

    keys = test_keys(KEY_SEED)
    write_keys(folder, keys)
    director = next(k for k in keys if k.signer.key_id == DIRECTOR_KEY_ID)
    training = requests[requests.seed.isin(train_seeds or [])]
    requests = requests[~requests.seed.isin(train_seeds or [])].reset_index(drop=True)
    manifest = _write_batch(folder, BATCH_ID, requests, [None] * len(requests), director)
    training_manifest = None
    if len(training):
        tins = [None if pd.isna(t) else str(t) for t in training.t_tin]
        training_manifest = _write_batch(folder, TRAIN_BATCH_ID, training, tins, director)
    requests.to_parquet(folder / "truth.parquet")
    return PeerWorld(
        folder=folder,
        manifest=manifest,
        master=master,
        signers=folder / "signers.json",
        truth=requests,
        taxpayers=people,
        addresses=addresses,
        training=training_manifest,
    )


def _write_batch(
    folder: Path, batch_id: str, requests: pd.DataFrame, tins: list[str | None], director: Any
) -> Path:
    """The requests as a signed batch (formats.md §1); the manifest's path."""
    batch = folder / "batch"
    batch.mkdir(parents=True, exist_ok=True)
    a_numbers = [f"A{200_000_000 + i:09d}" for i in range(len(requests))]
    records = pa.table(
        {
            "request_id": requests.request_id.tolist(),
            "last_name": _values(requests.last_name),
            "first_name": _values(requests.first_name),
            "middle_name": _values(requests.middle_name),
            "name_suffix": pa.nulls(len(requests), pa.string()),
            "street_address": _values(requests.street_address),
            "unit": _values(requests.unit),
            "city": _values(requests.city),
            "state": _values(requests.state),
            "zip": _values(requests.zip),
            "date_of_birth": _values(requests.date_of_birth),
            "tin": pa.array(tins, pa.string()),
            "a_number": a_numbers,
            "removal_order_final_date": [ORDER_FINAL] * len(requests),
            "reason": [
                f"{a} is subject of a final order of removal of {ORDER_FINAL}; the current address "
                f"is needed to locate {a} for removal (case {i % 97} of ERO Seattle)."
                for i, a in enumerate(a_numbers)
            ],
        },
        schema=pa.schema(
            [
                (name, pa.string())
                for name in (
                    "request_id",
                    "last_name",
                    "first_name",
                    "middle_name",
                    "name_suffix",
                    "street_address",
                    "unit",
                    "city",
                    "state",
                    "zip",
                    "date_of_birth",
                    "tin",
                    "a_number",
                    "removal_order_final_date",
                    "reason",
                )
            ]
        ),
    )
    records_path = batch / f"{batch_id}.records.csv"
    write_records(records_path, records)
    manifest = batch / f"{batch_id}.manifest.json"
    write_signed_manifest(
        manifest,
        records_path,
        batch_id=batch_id,
        submitted_at=SUBMITTED_AT,
        count=records.num_rows,
        signer=director,
    )
    return manifest


def exact_matcher(world: PeerWorld) -> pd.Series:
    """The baseline: the TIN disclosed per request, or None (first + last + number + ZIP)."""

    def norm(s: pd.Series) -> pd.Series:
        return _text(s).str.upper()

    names = world.taxpayers[["simulant_id", "tin", "first_name", "last_name"]]
    addr = world.addresses[["simulant_id", "street_address"]]
    addr = addr.assign(number=addr.street_address.str.split(" ").str[0])
    keys = addr.merge(names, on="simulant_id")
    keys = pd.DataFrame(
        {
            "tin": keys.tin,
            "first": norm(keys.first_name),
            "last": norm(keys.last_name),
            "number": norm(keys.number),
            "zip": ZIP,
        }
    ).drop_duplicates()
    requests = world.truth
    asked = pd.DataFrame(
        {
            "request_id": requests.request_id,
            "first": norm(requests.first_name),
            "last": norm(requests.last_name),
            "number": norm(requests.house_number),
            "zip": _text(requests.zip).str[:5],
        }
    ).dropna()
    found = asked.merge(keys, on=["first", "last", "number", "zip"])
    unique = found.groupby("request_id").tin.agg(["nunique", "first"])
    chosen = unique[unique["nunique"] == 1]["first"]
    return requests.request_id.map(chosen)


@dataclass(frozen=True)
class Grade:
    requests: int
    matchable: int
    disclosed: int
    wrong: int
    right: int
    lawful_matchable: int
    right_lawful: int
    unlawful: int
    review: int = 0

    @property
    def recall(self) -> float:
        """Right person disclosed, of the matchable (the figure before lawfulness was judged)."""
        return self.right / max(self.matchable, 1)

    @property
    def lawful_recall(self) -> float:
        """Right person disclosed, of the lawful and matchable (issue 21's figure)."""
        return self.right_lawful / max(self.lawful_matchable, 1)


def grade(truth: pd.DataFrame, disclosed_tin: pd.Series, review: int = 0) -> Grade:
    """Wrong person: disclosed and not the person the request names, over everything
    disclosed. Recall: right person disclosed on a matchable request, and on a lawful and
    matchable one. Unlawful: disclosed on a request that may not be answered as received."""
    tin = disclosed_tin.reset_index(drop=True)
    t = truth.reset_index(drop=True)
    out = tin.notna()
    right = out & (tin == t.t_tin)
    return Grade(
        requests=len(t),
        matchable=int(t.t_matchable.sum()),
        disclosed=int(out.sum()),
        wrong=int((out & ~right).sum()),
        right=int((right & t.t_matchable).sum()),
        lawful_matchable=int(t.t_lawful_matchable.sum()),
        right_lawful=int((right & t.t_lawful_matchable).sum()),
        unlawful=int((out & ~t.t_lawful).sum()),
        review=review,
    )


def _ivs(home: Path, *args: str) -> None:
    # Program records hold many people no request would name (WIC's infants, with their
    # dates of birth): a batch of them is judged record by record, never quarantined whole.
    env = {**os.environ, "IVS_HOME": str(home), "IVS_QUARANTINE_DEFECT_RATE": "1.0"}
    exe = str(Path(sys.executable).parent / "ivs")
    subprocess.run([exe, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def train(world: PeerWorld, home: Path) -> Path:
    """``ivs model train`` on the world's training batch, against its master: the model's path."""
    if world.training is None:
        raise ValueError("this world was built without train_seeds")
    home.mkdir(parents=True, exist_ok=True)
    _ivs(home, "init")
    model = home / "model.json"
    _ivs(
        home,
        "model",
        "train",
        str(world.training),
        "--master",
        str(world.master),
        "--signers",
        str(world.signers),
        "--out",
        str(model),
    )
    return model


def run_ivs(world: PeerWorld, home: Path, model: Path | None = None) -> pd.DataFrame:
    """``ivs init`` and ``ivs run`` on the world's batch; the decisions, with the truth."""
    out = home / "out"
    _ivs(home, "init")
    _ivs(
        home,
        "run",
        str(world.manifest),
        "--master",
        str(world.master),
        "--signers",
        str(world.signers),
        "--out",
        str(out),
        # Graded on the decisions file; no recipient keys in an evaluation home, so the
        # response in plaintext by the operator's choice.
        "--plaintext-response",
        *(["--model", str(model)] if model is not None else []),
    )
    frame = pq.read_table(out / f"{BATCH_ID}.decisions.parquet").to_pandas()
    return world.truth.merge(frame, on="request_id", how="left", validate="one_to_one")


def evaluate(world: PeerWorld, home: Path, model: Path | None = None) -> dict[str, Any]:
    """Both matchers graded on one world, and the records behind their errors."""
    joined = run_ivs(world, home, model)
    ivs_tin = joined.matched_tin.where(joined.matched_tin.notna(), None)
    review = int((joined.decision_code == "REVIEW").sum())
    baseline_tin = exact_matcher(world)
    ivs_grade = grade(world.truth, ivs_tin, review)
    base_grade = grade(world.truth, baseline_tin)
    wrong = joined[ivs_tin.notna() & (ivs_tin != joined.t_tin)]
    missed = joined[joined.t_matchable & ~(ivs_tin == joined.t_tin)]
    causes = pd.DataFrame(
        {
            "matchable": miss_causes(missed, world),
            "lawful and matchable": miss_causes(missed[missed.t_lawful], world),
        }
    )
    causes = (
        causes.fillna(0)
        .astype(int)
        .sort_values(["lawful and matchable", "matchable"], ascending=False)
    )
    unlawful = joined[~joined.t_lawful]
    not_lawful = (
        pd.DataFrame(
            {
                "why": unlawful.t_unlawful_why,
                "requests": 1,
                "matchable": unlawful.t_matchable.astype(int),
                "ivs disclosed": ivs_tin[unlawful.index].notna().astype(int),
                "exact disclosed": baseline_tin[unlawful.index].notna().astype(int),
            }
        )
        .groupby("why")
        .sum()
        .sort_values("requests", ascending=False)
    )
    # Counted lawful above (OCR_DIGITS); shown apart, for a reader who would not count them.
    ocr_zip = joined.t_lawful & joined.zip.fillna("").str.contains("[OoIiLl]")
    return {
        "ivs": ivs_grade,
        "baseline": base_grade,
        "ocr_zip": (
            int(ocr_zip.sum()),
            int((ocr_zip & ivs_tin.notna()).sum()),
            int((ocr_zip & baseline_tin.notna()).sum()),
        ),
        "wrong": wrong,
        "missed": missed,
        "unlawful": unlawful[ivs_tin[unlawful.index].notna()],
        "causes": causes,
        "not_lawful": not_lawful,
        "calibration": calibration(joined),
        "codes": joined[joined.t_matchable].decision_code.value_counts(),
        "joined": joined,
    }


NAME_LEVELS = ("exact", "reordered", "given_and_surname", "swapped", "variant", "typo")
ADDRESS_LEVELS = ("exact", "exact_city", "street_typo")
# The comparisons' level order (ivs.match.comparisons): index 0 is the best level.
NAME_ORDER = (*NAME_LEVELS, "surname_only", "other")
ADDRESS_ORDER = (*ADDRESS_LEVELS, "unit_differs", "same_zip", "other")
DOB_ORDER = ("agree", "typo", "disagree", "missing")
MIDDLE_ORDER = ("agree", "initial_agrees", "conflict", "missing")


def _true_candidate(row: Any) -> dict[str, Any] | None:
    """The named taxpayer's entry in a request's candidate list, if blocking paired them."""
    for c in row.candidate_list if row.candidate_list is not None else []:
        if c["tin"] == row.t_tin:
            return dict(c)
    return None


def miss_cause(row: Any, household_dobs: dict[str, set[str]]) -> str:
    """Why the named taxpayer was not disclosed for one matchable request: the first cause
    that applies, from intake's rejection to the decision rules' last condition."""
    code = row.decision_code
    number = str(row.t_key).split("|")[0]
    if row.outcome == "REJECTED":
        if code == "ADDRESS_ZIP_STATE_MISMATCH":
            return "rejected: ZIP and state disagree (noise in one of them; formats.md)"
        if code == "ADDRESS_NO_HOUSE_NUMBER":
            return "rejected: no house number read (OCR letters in it, or a No. prefix)"
        if code == "NAME_PLACEHOLDER":
            return "rejected: a name field holds one letter"
        return f"rejected: {code}"
    c = row.true_candidate
    given = (row.house_number or "").strip().upper()
    if c is None:
        if row.zip != ZIP:
            return "never paired: the ZIP code differs (noise), so no blocking rule meets"
        # Blocking pairs by the address: another house number, or a street that cannot agree
        # at the same number, meets other people.
        if given != number:
            return "address: the house number differs (noise)"
        return "address: street name noise beyond typing error"
    name = NAME_ORDER[c["name_level"]]
    if name not in NAME_LEVELS:
        asked = {str(row.first_name).upper(), str(row.last_name).upper()}
        if asked & _fake_names():
            return "name: a fake name (BOY, RESPONDENT, MOH) in place of the name"
        return "name: spelling noise beyond the typo level"
    address = ADDRESS_ORDER[c["address_level"]]
    if address not in ADDRESS_LEVELS:
        if given != number:
            return "address: the house number differs (noise)"
        return "address: street name noise beyond typing error"
    if DOB_ORDER[c["dob_level"]] == "disagree":
        if row.date_of_birth in household_dobs.get(row.t_tin, set()):
            return "date of birth: another taxpayer's at the address (borrowed)"
        return "date of birth: a typing error"
    if MIDDLE_ORDER[c["middle_level"]] == "conflict":
        return "middle name: conflicts"
    if code == "AMBIGUOUS":
        return "ambiguous: a second plausible candidate"
    if code in ("REVIEW", "BELOW_THRESHOLD"):
        return f"probability: {code}"
    return f"other: {code}"


def miss_causes(missed: pd.DataFrame, world: PeerWorld) -> pd.Series:
    """Counts of the missed matchable requests by cause (:func:`miss_cause`)."""
    if missed.empty:
        return pd.Series(dtype=int)
    people = world.taxpayers.set_index("tin")
    dobs = people.date_of_birth.map(lambda d: None if d is None else d.isoformat())
    # Dates of birth of the other taxpayers at each taxpayer's addresses of record.
    addr = world.addresses[["tin", "street_address", "unit"]].drop_duplicates()
    both = addr.merge(addr, on=["street_address", "unit"], suffixes=("", "_other"))
    both = both[both.tin != both.tin_other]
    both = both.assign(dob=both.tin_other.map(dobs)).dropna(subset=["dob"])
    household = both.groupby("tin").dob.agg(set).to_dict()
    rows = missed.assign(true_candidate=missed.apply(_true_candidate, axis=1))
    causes = [miss_cause(row, household) for row in rows.itertuples()]
    return pd.Series(causes).value_counts()


BANDS = (0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 0.99999, 0.9999999, 1.0000001)


def _plausible(c: dict[str, Any]) -> bool:
    """A candidate that meets the decision rules' conditions 3-5: name and address match and
    nothing tells it apart from the request (ivs.match.pipeline, ``told_apart``)."""
    told_apart = (
        c["tin_level"] == 1
        or DOB_ORDER[c["dob_level"]] == "disagree"
        or c["suffix_level"] == 1
        or (
            MIDDLE_ORDER[c["middle_level"]] == "conflict"
            and c["tin_level"] != 0
            and c["dob_level"] != 0
        )
    )
    return (
        NAME_ORDER[c["name_level"]] in NAME_LEVELS
        and ADDRESS_ORDER[c["address_level"]] in ADDRESS_LEVELS
        and not told_apart
    )


def calibration(joined: pd.DataFrame) -> pd.DataFrame:
    """Predicted against observed, by the band of the match probability: the share of pairs
    that are the person the request names, over every candidate pair a run compared, and over
    the only plausible candidate of a request (the one the rules would disclose, the threshold
    and restrictions aside: the decisions the probability is there to qualify)."""
    pairs = joined[["request_id", "t_tin", "candidate_list"]].explode("candidate_list").dropna()
    c = pairs.candidate_list
    plausible = c.map(_plausible).astype(bool)
    only = plausible & (plausible.groupby(pairs.request_id).transform("sum") == 1)
    prob = c.map(lambda v: v["match_probability"]).astype(float)
    frame = pd.DataFrame(
        {
            "band": pd.cut(prob, BANDS, right=False),
            "p": prob,
            "match": (c.map(lambda v: v["tin"]) == pairs.t_tin).astype(int),
            "only": only,
        }
    )
    out = frame.groupby("band", observed=True).agg(
        pairs=("match", "size"), mean_p=("p", "mean"), observed=("match", "mean")
    )
    only_part = (
        frame[frame.only]
        .groupby("band", observed=True)
        .agg(only_plausible=("match", "size"), observed_there=("match", "mean"))
    )
    return out.join(only_part, how="left").fillna(0)


def report(result: dict[str, Any]) -> str:
    a, b = result["ivs"], result["baseline"]
    lines = [
        f"{a.requests:,} requests: {a.matchable:,} matchable, {a.lawful_matchable:,} of them "
        "lawful as received",
        "| | disclosed | wrong person | per 10,000 disclosed | unlawful disclosures "
        "| recall of the lawful and matchable | recall of the matchable |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, g in (("ivs run", a), ("exact first + last + number + ZIP, unique", b)):
        per = 10_000 * g.wrong / max(g.disclosed, 1)
        lines.append(
            f"| {label} | {g.disclosed:,} | {g.wrong} | {per:.1f} | {g.unlawful} "
            f"| {g.lawful_recall:.2%} ({g.right_lawful:,}) | {g.recall:.2%} ({g.right:,}) |"
        )
    lines.append(
        f"margin of ivs over the exact matcher: {100 * (a.lawful_recall - b.lawful_recall):.2f} "
        f"points of the lawful and matchable, {100 * (a.recall - b.recall):.2f} of the matchable"
    )
    lines.append(f"ivs review cases: {a.review}")
    lines.append("requests not lawful to answer as received, and the disclosures on them:")
    lines.append(result["not_lawful"].to_string())
    n, by_ivs, by_exact = result["ocr_zip"]
    lines.append(
        f"lawful requests whose ZIP holds OCR letters for digits (981O1): {n}, ivs disclosed "
        f"{by_ivs}, the exact matcher {by_exact}"
    )
    lines.append("decision codes of the matchable requests not disclosed correctly:")
    codes = result["missed"].decision_code.value_counts()
    lines.extend(f"  {code}: {n}" for code, n in codes.items())
    lines.append("their causes (the first that applies), of the matchable and of the lawful:")
    lines.append(result["causes"].to_string())
    lines.append(
        "calibration: candidate pairs by match probability; observed = share that is the "
        "person named (all pairs, then a request's only plausible candidate)"
    )
    lines.append(result["calibration"].to_string(float_format=lambda v: f"{v:.6f}"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taxpayers", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--keep", type=Path, help="keep the world in this folder")
    parser.add_argument("--show", type=int, default=0, help="print this many errors of each kind")
    parser.add_argument(
        "--train",
        type=int,
        nargs="+",
        metavar="SEED",
        help="also train a model (ivs model train) on a batch of these noise seeds that carries "
        "the TINs, against the same master, and grade the run with it",
    )
    parser.add_argument(
        "--noise-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="multiply every cell and token probability of the requests' noise (pseudopeople's "
        f"default) by X, capped at {MAX_PROBABILITY}; the master stays noiseless",
    )
    parser.add_argument(
        "--scale-row-noise",
        action="store_true",
        help="also multiply the row noise (non-response, omitted rows), which removes requests",
    )
    args = parser.parse_args()
    if args.noise_scale < 0:
        parser.error("--noise-scale must not be negative")
    work = args.keep or Path(tempfile.mkdtemp(prefix="ivs-peer-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    world = build_world(
        work / "world",
        taxpayers=args.taxpayers,
        seeds=args.seeds,
        train_seeds=args.train,
        noise_scale=args.noise_scale,
        scale_rows=args.scale_row_noise,
    )
    built = time.perf_counter() - started
    result = evaluate(world, work / "home")
    print(
        f"{len(world.taxpayers):,} taxpayers, {len(world.addresses):,} addresses of record, "
        f"noise seeds {' '.join(map(str, args.seeds))}, noise scale {args.noise_scale:g} "
        f"(row noise {'scaled' if args.scale_row_noise else 'default'}; "
        f"cap {MAX_PROBABILITY}) (world {built:.0f} s, "
        f"total {time.perf_counter() - started:.0f} s)"
    )
    print(report(result))
    if args.train:
        model = train(world, work / "home-trained")
        trained = evaluate(world, work / "home-trained", model)
        print(f"\nwith a model trained on noise seeds {' '.join(map(str, args.train))} ({model}):")
        print(report(trained))
    if args.show:
        columns = [
            "request_id",
            "first_name",
            "middle_name",
            "last_name",
            "street_address",
            "unit",
            "date_of_birth",
            "decision_code",
            "matched_tin",
            "t_tin",
        ]
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            print("wrong person:")
            print(result["wrong"][columns].head(args.show).to_string())
            print("missed:")
            print(result["missed"][columns].head(args.show).to_string())
            print("disclosed by ivs on a request not lawful as received:")
            unlawful = result["unlawful"][[*columns, "zip", "state", "t_unlawful_why"]]
            print(unlawful.head(args.show).to_string())
    (work / "peer.json").write_text(
        json.dumps({k: vars(result[k]) for k in ("ivs", "baseline")}, indent=1), encoding="utf-8"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
