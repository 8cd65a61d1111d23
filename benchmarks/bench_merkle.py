"""Ledger Merkle tree speed on one core: tree hash, appends, proofs, verification.

    .venv/bin/python benchmarks/bench_merkle.py [--size 10000000] [--entry-bytes 200]

Targets: the root of 10 M entries (leaf hashing included) within 2 minutes; one inclusion
proof on a 10 M-entry log within 10 ms when the perfect-subtree hashes are kept.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ivs.ledger import (
    MerkleFrontier,
    SubtreeCache,
    TreeHead,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    sign_tree_head,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)

T = TypeVar("T")


def timed(run: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def per_call_ms(run: Callable[[int], object], samples: Sequence[int]) -> tuple[float, float]:
    """Median and worst milliseconds of ``run`` over ``samples``."""
    times = []
    for sample in samples:
        start = time.perf_counter()
        run(sample)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def hash_entries(size: int, entry_bytes: int) -> tuple[float, list[bytes]]:
    """Seconds to leaf-hash ``size`` distinct entries, and their leaf hashes."""
    pad = b"x" * max(0, entry_bytes - 12)
    seconds, entries = timed(lambda: [i.to_bytes(12, "big") + pad for i in range(size)])
    print(f"  (building the entries, not counted: {seconds:.1f} s)")
    return timed(lambda: [leaf_hash(e) for e in entries])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--entry-bytes", type=int, default=200)
    parser.add_argument("--appends", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=1000)
    args = parser.parse_args()
    size: int = args.size
    rng = random.Random(6103)

    print(f"entries: {size:,} of {args.entry_bytes} bytes")
    hash_s, leaves = hash_entries(size, args.entry_bytes)
    tree_s, root = timed(lambda: root_from_leaf_hashes(leaves))
    print(f"leaf hashing:           {hash_s:7.2f} s  ({size / hash_s / 1e6:.2f} M leaves/s)")
    print(f"root_from_leaf_hashes:  {tree_s:7.2f} s")
    print(f"root of {size:,} leaves incl. leaf hashing: {hash_s + tree_s:.2f} s (target ≤ 120 s)")

    appends = min(args.appends, size)
    frontier = MerkleFrontier()
    append_s, _ = timed(lambda: frontier.extend(leaves[:appends]))
    print(f"MerkleFrontier.append:  {appends / append_s / 1e6:.2f} M appends/s")
    resumed = MerkleFrontier.from_bytes(frontier.to_bytes())
    assert resumed.root() == root_from_leaf_hashes(leaves[:appends])
    root_calls = 10_000
    root_s, _ = timed(lambda: [frontier.root() for _ in range(root_calls)])
    print(f"MerkleFrontier.root:    {root_s / root_calls * 1e6:.1f} µs")

    growing = SubtreeCache()
    cache_append_s, _ = timed(lambda: growing.extend(leaves[:appends]))
    print(f"SubtreeCache.append:    {appends / cache_append_s / 1e6:.2f} M appends/s")

    def read_leaves(start: int, end: int) -> Sequence[bytes]:
        return leaves[start:end]

    def build_cache(min_level: int) -> SubtreeCache:
        return SubtreeCache.from_leaf_hashes(
            leaves, min_level=min_level, read_leaf_hashes=read_leaves
        )

    indices = [rng.randrange(size) for _ in range(args.proofs)]
    cache = SubtreeCache()
    for min_level in (0, 8):
        build_s, cache = timed(lambda: build_cache(min_level))  # noqa: B023  # called at once
        assert cache.root() == root
        cached_mb = sum((size >> h) * 32 for h in range(min_level, 64)) / 1e6
        print(
            f"SubtreeCache(min_level={min_level}): built in {build_s:.1f} s, "
            f"holds {cached_mb:,.1f} MB of hashes"
        )
        median, worst = per_call_ms(lambda i: inclusion_proof(i, size, cache), indices)  # noqa: B023
        print(f"  inclusion_proof on {size:,}: median {median:.3f} ms, worst {worst:.3f} ms")
        olds = [rng.randrange(1, size) for _ in range(args.proofs)]
        median, worst = per_call_ms(lambda o: consistency_proof(o, size, cache), olds)  # noqa: B023
        print(f"  consistency_proof to {size:,}: median {median:.3f} ms, worst {worst:.3f} ms")

    proofs = {i: inclusion_proof(i, size, cache) for i in indices}
    median, worst = per_call_ms(
        lambda i: verify_inclusion(leaves[i], i, size, proofs[i], root), indices
    )
    print(f"verify_inclusion:       median {median:.3f} ms, worst {worst:.3f} ms")
    old = size // 3 + 1
    old_root = cache.subtree_hash(0, old)
    proof = consistency_proof(old, size, cache)
    median, worst = per_call_ms(
        lambda _: verify_consistency(old, size, old_root, root, proof), range(args.proofs)
    )
    print(f"verify_consistency:     median {median:.3f} ms, worst {worst:.3f} ms")

    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    head = TreeHead(size=size, root=root, timestamp_ms=int(time.time() * 1000))
    signed = sign_tree_head(head, key)
    median, _ = per_call_ms(lambda _: sign_tree_head(head, key), range(200))
    print(f"sign_tree_head:         median {median:.3f} ms")
    median, _ = per_call_ms(lambda _: verify_tree_head(signed, public), range(200))
    print(f"verify_tree_head:       median {median:.3f} ms")


if __name__ == "__main__":
    main()
