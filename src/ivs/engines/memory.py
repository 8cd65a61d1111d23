"""Which allocator Arrow's column buffers come from, chosen once per process at its edge."""

from __future__ import annotations

import os

import pyarrow as pa

__all__ = ["use_retaining_allocator"]


def use_retaining_allocator() -> None:
    """Allocate Arrow buffers from jemalloc, which keeps freed pages a while for reuse.

    A batch's standardization and checks allocate and free column-sized buffers by the
    hundred. Arrow's default pool (mimalloc) returns freed pages to the system at once, so
    every new buffer faults its pages in again: on the 1.28 M-record batch that was 3 to 6
    CPU-seconds of system time out of about 30 (benchmarks/RESULTS.md, "Intake"). Leaves the
    choice alone where ``ARROW_DEFAULT_MEMORY_POOL`` makes it, or where Arrow has no jemalloc.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    if "jemalloc" in pa.supported_memory_backends():
        pa.set_memory_pool(pa.jemalloc_memory_pool())
