"""``generate_world``: a master file, a signed request batch and its truth, from one seed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ivs.formats.master import MasterTableWriter, write_master_table
from ivs.formats.records import write_records
from ivs.synth.config import Category, SynthConfig, allocate_categories
from ivs.synth.people import People, draw_people
from ivs.synth.places import (
    NATIONAL_HISTORY_P,
    SHORT_HISTORY_P,
    AddressRows,
    Places,
    address_rows,
    histories,
    last_known,
    zip_population,
)
from ivs.synth.randomness import rng_for
from ivs.synth.records import render_batch
from ivs.synth.render import render_addresses, render_names
from ivs.synth.requests import Plan, plan_requests
from ivs.synth.signing import DIRECTOR_KEY_ID, test_keys, write_keys, write_signed_manifest
from ivs.synth.tins import tin_strings
from ivs.synth.traps import plant_traps, unique_at_building
from ivs.synth.vocab import NameLists, Streets, ZipTable, name_lists, streets, zip_table

__all__ = ["ProgressCallback", "WorldSummary", "generate_world"]

# Called as progress(step_description, done, total); steps are reported in order.
ProgressCallback = Callable[[str, int, int], None]

_CHUNK = 500_000  # taxpayers rendered and written at a time
_EPOCH = date(1970, 1, 1)
_STEPS = 6


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """What was written, for the command's summary table and for tests."""

    out_dir: Path
    files: dict[str, Path]
    taxpayers: int
    address_rows: int
    restrictions: int
    requests: int
    categories: dict[str, int] = field(default_factory=dict)


def _report(progress: ProgressCallback | None, step: int, text: str) -> None:
    if progress is not None:
        progress(text, step, _STEPS)


def _write_master(
    folder: Path,
    *,
    names: NameLists,
    people: People,
    taxpayers: int,
    places: Places,
    rows: AddressRows,
    zips: ZipTable,
    street_list: Streets,
) -> None:
    with (
        MasterTableWriter(folder / "taxpayers.parquet", "taxpayers") as tp_writer,
        MasterTableWriter(folder / "addresses.parquet", "addresses") as ad_writer,
    ):
        for start in range(0, taxpayers, _CHUNK):
            who = np.arange(start, min(start + _CHUNK, taxpayers))
            tins = tin_strings(people.tin[who])
            name = render_names(names, people, who)
            tp_writer.write(
                pa.table(
                    {
                        "tin": tins,
                        "tin_type": pa.array(
                            np.where(people.itin[who], "ITIN", "SSN"), pa.string()
                        ),
                        "last_name": name.last,
                        "first_name": name.first,
                        "middle_name": name.middle,
                        "name_suffix": name.suffix,
                        "date_of_birth": pa.array(
                            people.dob[who], pa.date32(), mask=~people.dob_known[who]
                        ),
                    }
                )
            )
            lo, hi = np.searchsorted(rows.taxpayer, [who[0], who[-1] + 1])
            sel = np.arange(lo, hi)
            address = render_addresses(places, zips, street_list, rows.place[sel])
            ad_writer.write(
                pa.table(
                    {
                        "tin": tins.take(pa.array(rows.taxpayer[sel] - start)),
                        "tax_year": pa.array(rows.tax_year[sel].astype(np.int64)),
                        "street_address": address.street_address,
                        "unit": address.unit,
                        "city": address.city,
                        "state": address.state,
                        "zip": address.zip,
                        "received_date": pa.array(rows.received[sel], pa.date32()),
                    }
                )
            )


def _restrictions(
    plan: Plan, people: People, taxpayers: int, rng: np.random.Generator, submitted: date
) -> pa.Table:
    """Restrictions in force for every restricted request and a few others; a few expired.

    The expired ones fall on taxpayers of `exact` requests, whose answer must not change.
    """
    day = (submitted - _EPOCH).days
    restricted = plan.person[plan.category == list(Category).index(Category.RESTRICTED)]
    requested = np.zeros(taxpayers, dtype=bool)
    requested[plan.person[(plan.person >= 0) & (plan.person < taxpayers)]] = True
    others = rng.permutation(np.flatnonzero(~requested))[: 2 + len(restricted)]
    exact = plan.person[plan.category == list(Category).index(Category.EXACT)]
    expired = rng.permutation(exact)[: 2 + len(restricted)]
    in_force = np.concatenate([restricted, others])
    who = np.concatenate([in_force, expired])
    n_force, n = len(in_force), len(in_force) + len(expired)
    since = day - rng.integers(30, 2000, n)
    until = np.where(rng.random(n) < 0.7, -1, day + rng.integers(30, 700, n))
    # Expired: ended between a week and two years before the batch.
    until[n_force:] = day - rng.integers(7, 700, n - n_force)
    since[n_force:] = until[n_force:] - rng.integers(100, 1500, n - n_force)
    kinds = pa.array(["informant", "tax_investigation"], pa.string())
    kind = kinds.take(pa.array(np.arange(n) % 2))
    return pa.table(
        {
            "tin": tin_strings(people.tin[who]),
            "kind": kind,
            "since": pa.array(since.astype(np.int32), pa.date32()),
            "until": pa.array(until.astype(np.int32), pa.date32(), mask=until < 0),
        }
    )


def generate_world(
    out_dir: Path, config: SynthConfig, progress: ProgressCallback | None = None
) -> WorldSummary:
    """Write a synthetic master, a signed batch, the signer roster and the truth to ``out_dir``."""
    config.validate()
    seed, n = config.seed, config.taxpayers
    submitted = config.submitted_day
    names, zips, street_list = name_lists(), zip_table(), streets()

    _report(progress, 0, "drawing taxpayers and households")
    categories = allocate_categories(config, rng_for(seed, "categories"))
    count = {c: int((categories == i).sum()) for i, c in enumerate(Category)}
    people = draw_people(names, rng_for(seed, "people"), n, seed)
    population = (
        zip_population(zips, rng_for(seed, "zips"), n, config.taxpayers_per_zip)
        if config.taxpayers_per_zip
        else None
    )
    history, places = histories(
        zips,
        street_list,
        rng_for(seed, "places"),
        len(people.household_size),
        history_p=NATIONAL_HISTORY_P if config.address_history == "national" else SHORT_HISTORY_P,
        population=population,
    )
    planted = plant_traps(
        people,
        history,
        places,
        rng_for(seed, "traps"),
        (
            count[Category.HOUSEHOLD_JR_SR],
            count[Category.SAME_NAME_ROOMMATES],
            count[Category.SAME_NAME_BUILDING],
        ),
    )
    _report(progress, 1, "address histories")
    rows = address_rows(people, history, rng_for(seed, "received"), submitted)
    last_row = last_known(rows, n)
    unique_row, master_keys = unique_at_building(names, people, places, rows)

    _report(progress, 2, "planning requests")
    outsiders = count[Category.NEVER_FILED] + count[Category.DEFICIENT]
    extra = draw_people(
        names,
        rng_for(seed, "outsiders"),
        max(outsiders, 2),
        seed,
        ssn_start=people.ssn_used,
        itin_start=people.itin_used,
    )
    people.append_persons(extra)
    plan = plan_requests(
        categories,
        names=names,
        people=people,
        taxpayers=n,
        outsiders=outsiders,
        places=places,
        rows=rows,
        unique_row=unique_row,
        master_keys=master_keys,
        last_row=last_row,
        planted=planted,
        zips=zips,
        population=population,
        streets=street_list,
        rng=rng_for(seed, "plan"),
    )
    batch = render_batch(
        plan,
        names=names,
        people=people,
        places=places,
        zips=zips,
        streets=street_list,
        rng=rng_for(seed, "records"),
        submitted=submitted,
        seed=seed,
    )

    _report(progress, 3, "writing the master file")
    master = out_dir / "master"
    master.mkdir(parents=True, exist_ok=True)
    _write_master(
        master,
        names=names,
        people=people,
        taxpayers=n,
        places=places,
        rows=rows,
        zips=zips,
        street_list=street_list,
    )
    restrictions = _restrictions(plan, people, n, rng_for(seed, "restrictions"), submitted)
    write_master_table(master / "restrictions.parquet", restrictions, "restrictions")

    _report(progress, 4, "writing and signing the batch")
    keys = test_keys(seed)
    key_paths = write_keys(out_dir, keys)
    batch_dir = out_dir / "batch"
    batch_dir.mkdir(parents=True, exist_ok=True)
    records_path = batch_dir / f"{config.batch_id}.records.{config.records_format}"
    write_records(records_path, batch.records)
    manifest_path = batch_dir / f"{config.batch_id}.manifest.json"
    director = next(k for k in keys if k.signer.key_id == DIRECTOR_KEY_ID)
    write_signed_manifest(
        manifest_path,
        records_path,
        batch_id=config.batch_id,
        submitted_at=config.submitted_at,
        count=batch.records.num_rows,
        signer=director,
    )
    _report(progress, 5, "writing the truth")
    truth_path = out_dir / "truth.parquet"
    pq.write_table(batch.truth, truth_path, compression="zstd")
    _report(progress, 6, "done")
    files = {
        "taxpayers": master / "taxpayers.parquet",
        "addresses": master / "addresses.parquet",
        "restrictions": master / "restrictions.parquet",
        "manifest": manifest_path,
        "records": records_path,
        "signers": key_paths[0],
        "keys": out_dir / "keys",
        "truth": truth_path,
    }
    return WorldSummary(
        out_dir=out_dir,
        files=files,
        taxpayers=n,
        address_rows=rows.count,
        restrictions=restrictions.num_rows,
        requests=batch.records.num_rows,
        categories={str(c): count[c] for c in Category},
    )
