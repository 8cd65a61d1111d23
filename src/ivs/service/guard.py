"""Who may call, how often, and the record of it: token authentication, rate limits per token,
and the access record (every access to taxpayer data, every failed authentication)."""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ivs.domain.errors import RateLimited
from ivs.store.service_tables import service_access

__all__ = ["AccessRecord", "RateLimiter", "record_access"]


@dataclass(frozen=True, slots=True)
class AccessRecord:
    at: datetime
    user_name: str | None
    role: str | None
    method: str
    path: str  # without the query string
    what: str
    status: int
    client: str | None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(text: str) -> str:
    """Control characters written out (``\\x00``): PostgreSQL cannot hold NUL, and the record
    is read as lines."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def record_access(engine: sa.Engine, record: AccessRecord) -> None:
    with engine.begin() as conn:
        conn.execute(
            service_access.insert().values(
                at=record.at.isoformat(timespec="milliseconds"),
                user_name=record.user_name,
                role=record.role,
                method=record.method[:10],
                path=_printable(record.path)[:500],
                what=_printable(record.what)[:500],
                status=record.status,
                client=None if record.client is None else _printable(record.client)[:100],
            )
        )


class RateLimiter:
    """A token bucket per caller: ``burst`` requests at once, then ``per_minute`` sustained."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one request from ``key``'s bucket; RateLimited when it is empty."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self._rate) if self._rate > 0 else 60
                raise RateLimited(
                    f"too many requests with this token: the limit is "
                    f"{round(self._rate * 60)} a minute; retry in {wait} s",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - 1.0, now)
