"""The sandbox clock: virtual time that QA can set, advance or freeze.

Domain code asks the sandbox's clock for the time, never ``datetime.now()``. The clock keeps a pair
(virtual instant, wall instant) in the sandbox's ``meta`` table: while running, virtual time moves
with the wall clock from that pair; while frozen, it stays at the virtual instant.
"""
from __future__ import annotations

import time as _time
from datetime import date, datetime, timedelta, timezone

from .store import meta
from .store.db import Database

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991


def wall_seconds() -> float:
    """The only place the backend reads the wall clock."""
    return _time.time()


def parse_instant(text: str) -> datetime:
    """ISO 8601 with an offset -> aware datetime in Asia/Shanghai. Naive input is read as +08:00."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt.astimezone(SHANGHAI)


def iso(dt: datetime) -> str:
    """Wire and storage form: seconds precision, +08:00."""
    return dt.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


class SandboxClock:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.reload()

    def reload(self) -> None:
        self._virtual = float(meta.get(self._db, "clock_virtual", "0") or 0)
        self._wall = float(meta.get(self._db, "clock_wall", "0") or 0)
        self._frozen = meta.get(self._db, "clock_frozen", "0") == "1"

    def _save(self) -> None:
        with self._db.write():
            meta.put(self._db, "clock_virtual", repr(self._virtual))
            meta.put(self._db, "clock_wall", repr(self._wall))
            meta.put(self._db, "clock_frozen", "1" if self._frozen else "0")
            meta.bump_version(self._db)

    # --- reading --------------------------------------------------------------------------------
    def epoch(self) -> float:
        if self._frozen:
            return self._virtual
        return self._virtual + (wall_seconds() - self._wall)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch(), SHANGHAI)

    def now_iso(self) -> str:
        return iso(self.now())

    def today(self) -> date:
        return self.now().date()

    @property
    def frozen(self) -> bool:
        return self._frozen

    # --- steering -------------------------------------------------------------------------------
    def set(self, instant: datetime, *, frozen: bool | None = None) -> None:
        self._virtual = instant.timestamp()
        self._wall = wall_seconds()
        if frozen is not None:
            self._frozen = frozen
        self._save()

    def advance(self, seconds: float) -> None:
        current = self.epoch()
        self._virtual = current + seconds
        self._wall = wall_seconds()
        self._save()

    def freeze(self, frozen: bool) -> None:
        current = self.epoch()
        self._virtual = current
        self._wall = wall_seconds()
        self._frozen = frozen
        self._save()

    def describe(self) -> dict:
        return {"now": self.now_iso(), "frozen": self._frozen}
