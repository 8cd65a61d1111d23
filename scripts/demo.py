"""The main job end to end on the embedded default: ``make demo``.

Generates a synthetic world, registers its recipients' keys, indexes its master file, runs
its signed batch, prints what was decided, checks and opens the response package as the
requester does, and ends with what the 2025 TIN-only rule would have done with the same batch.
"""

from __future__ import annotations

import argparse
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from ivs.batch.run import run_batch
from ivs.batch.simulate import PolicyResult, disclosures_of, score_against_truth, simulate
from ivs.cli.common import console, err_console
from ivs.cli.report import write_report
from ivs.cli.run import print_run_summary
from ivs.disclose.package_check import open_package, read_identities, read_public_key
from ivs.disclose.recipient_keys import import_recipient_keys
from ivs.domain.errors import PackageError
from ivs.domain.settings import load_settings
from ivs.formats import read_manifest, read_signers
from ivs.formats.recipients import generate_recipient_keys, write_recipient_keys
from ivs.ledger.keys import create_ledger_key, ledger_key_path, open_ledger
from ivs.report import batch_report
from ivs.synth import SynthConfig, generate_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("demo"), help="where to put everything")
    parser.add_argument("--taxpayers", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    folder: Path = args.dir.resolve()
    shutil.rmtree(folder, ignore_errors=True)
    # Settings and the store are read at use, so the demo's state stays inside its folder.
    os.environ["IVS_HOME"] = str(folder / "ivs-home")

    world = folder / "world"
    console.rule("1. a synthetic world")
    with err_console.status("generating") as status:
        generate_world(
            world,
            SynthConfig(taxpayers=args.taxpayers, requests=args.requests, seed=args.seed),
            lambda step, _done, _total: status.update(step),
        )
    manifest = world / "batch" / f"SYN-{args.seed}-A.manifest.json"
    console.print(
        f"{args.taxpayers:,} taxpayers in {world / 'master'}; a signed batch of "
        f"{args.requests:,} requests in {manifest}"
    )

    console.rule("2. the batch: intake, index, match, decide, record, respond")
    settings = load_settings()
    create_ledger_key(ledger_key_path(settings))  # what `ivs init` does
    # The requester's side (`ivs recipients keygen`): a key pair for each named recipient; the
    # agency registers the public keys (`ivs recipients import`).
    m = read_manifest(manifest)
    keys = generate_recipient_keys(
        m.requesting_agency,
        [(r.name, r.office) for r in m.recipients],
        folder / "recipient-keys",
        valid_from=datetime.now(UTC).date(),
    )
    write_recipient_keys(folder / "recipients.json", keys)
    ledger = open_ledger(settings)
    import_recipient_keys(ledger.store, ledger, keys, imported_by="demo", now=datetime.now(UTC))
    console.print(
        f"{len(keys)} recipient key(s) registered from {folder / 'recipients.json'}; "
        f"their secret keys in {folder / 'recipient-keys'}"
    )
    roster = read_signers(world / "signers.json")
    with err_console.status("running") as status:
        result = run_batch(
            manifest,
            world / "master",
            roster,
            settings,
            folder / "out",
            now=datetime.now(UTC),
            step=status.update,
            progress=lambda done, total: status.update(
                f"recording decisions on the ledger: {done:,} of {total:,}"
            ),
        )
    print_run_summary(result)
    report = ledger.verify()
    console.print(
        f"ledger: {report.entries:,} entries, every one verified against the Merkle tree and "
        f"{report.signed_heads} signed heads ({report.problem or 'ok'})"
    )

    console.rule("3. the requester's side: the response package, checked and opened")
    data = result.response.read_bytes()
    public = read_public_key(Path(f"{ledger_key_path(settings)}.pub"))
    identity = sorted((folder / "recipient-keys").glob("*.agekey"))[0]
    checked, plaintext = open_package(data, read_identities(identity), public_key=public)
    for line in checked.checked:
        console.print(f"ok: {line}")
    opened = folder / "requester" / f"{result.batch_id}.response.csv"
    opened.parent.mkdir(exist_ok=True)
    opened.write_bytes(plaintext)
    console.print(f"opened with {identity.name}: {opened}")
    stranger = folder / "stranger-key"
    generate_recipient_keys(
        "NONE", [("Not A Recipient", "-")], stranger, valid_from=m.submitted_at.date()
    )
    try:
        open_package(data, read_identities(next(stranger.glob("*.agekey"))), public_key=public)
    except PackageError as e:
        console.print(f"a key that is not a recipient's cannot open it: {e}")
    else:
        raise SystemExit("a key that is not a recipient's opened the package")

    console.rule("4. the counterfactual")
    with err_console.status("simulating the 2025 rule") as status:
        tin_only = simulate(
            manifest,
            world / "master",
            roster,
            settings,
            "tin-only",
            now=datetime.now(UTC),
            truth=world / "truth.parquet",
            step=status.update,
        )
    # This run's own recorded decisions, scored against the truth file.
    decisions = pq.read_table(result.decisions, columns=["request_id", "matched_tin"])
    lawful = score_against_truth(
        PolicyResult("lawful", decisions.num_rows, disclosures_of(decisions)),
        world / "truth.parquet",
    )
    console.print(
        f"this run disclosed {lawful.disclosed:,} addresses: {lawful.wrong_person} to the wrong "
        f"person, {lawful.on_deficient} on deficient requests (checked against the truth file)"
    )
    console.print(
        f"[bold]under the 2025 TIN-only rule this batch would have disclosed "
        f"{tin_only.disclosed:,} addresses, {tin_only.on_deficient:,} of them on deficient "
        f"requests and {tin_only.wrong_person:,} to the wrong person[/] "
        f"({tin_only.unlawful:,} where the lawful answer was not to disclose)"
    )

    console.rule("5. the oversight report")
    page = write_report(
        batch_report(ledger, result.batch_id, settings, agency=result.agency),
        folder / "out" / f"{result.batch_id}.report.html",
    )
    console.print(f"batch report, computed from the ledger alone: {page}")


if __name__ == "__main__":
    main()
