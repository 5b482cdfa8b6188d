"""Sandboxes: isolated worlds, each with its own SQLite file, clock, secret and SMS outbox.

A request names its sandbox with ``X-Sandbox-Id`` (default ``demo``). The default sandbox lives in
the file given by ``--db``; the others in ``<db stem>.sandboxes/<id>.sqlite`` beside it. Creating and
resetting copy a seeded template database (cached per seed and start day), so a reset takes
milliseconds.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from .clock import SHANGHAI, SandboxClock, iso, parse_instant, wall_seconds
from .errors import ProblemError
from .faults import FaultProfile, profile_from_json
from .journal import Journal
from .read_cache import ReadCache
from .settings import Settings
from .store import meta
from .store.db import Database
from .store.migrate import latest_version, migrate

SANDBOX_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

SmsListener = Callable[[str, str, str], None]  # (sandbox id, phone, text)

# Seeded template databases, shared by every registry of the process: (seed, day, settings) -> db
_TEMPLATES: dict[tuple[int, str, str], Database] = {}
_TEMPLATES_LOCK = threading.Lock()
_TEMPLATES_KEPT = 8


@dataclass
class Sandbox:
    id: str
    db: Database
    settings: Settings
    clock: SandboxClock = field(init=False)
    secret: bytes = field(init=False)
    on_sms: SmsListener | None = None
    # the profile of ``zheliban-mock --faults``, for a sandbox that has none of its own
    default_faults: FaultProfile | None = None
    inode: int = 0
    path: str = ""
    # the database's version stamp when the latest request began (``Database.version``): the key of
    # ``cache``, answers computed from the data and kept until the data changes
    version: tuple = field(init=False)
    cache: ReadCache = field(init=False, default_factory=ReadCache)
    # access token -> its verified claims, under the current secret (emptied when the secret changes)
    token_claims: dict = field(init=False, default_factory=dict)
    journal: Journal = field(init=False)
    own_faults: FaultProfile | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.clock = SandboxClock(self.db)
        self.journal = Journal(self.settings.journal_size)
        self._faults_text = None
        self.load_meta()

    @property
    def faults(self) -> FaultProfile | None:
        """The fault profile in force: the sandbox's own, else the server's default."""
        return self.own_faults if self.own_faults is not None else self.default_faults

    def set_faults(self, profile: FaultProfile | None) -> None:
        """Keep ``profile`` as the sandbox's own (None clears it); every worker process picks it up."""
        with self.db.write():
            meta.put(self.db, "faults", "" if profile is None else profile.to_json())
            meta.bump_version(self.db)
        self.load_meta()

    def load_meta(self) -> None:
        self.clock.reload()
        self.secret = bytes.fromhex(meta.get(self.db, "secret", "") or "")
        self.token_claims = {}
        faults_text = meta.get(self.db, "faults", "") or ""
        if faults_text != self._faults_text:  # a new profile starts its random stream afresh
            self._faults_text = faults_text
            self.own_faults = profile_from_json(faults_text) if faults_text else None
        self._meta_version = meta.get(self.db, "meta_version")
        self.version = self.db.version()
        self._data_version = self.version[0]

    def refresh(self) -> None:
        """Pick up a clock or reset made by another worker process (cheap when nothing changed), and
        read the version stamp of the data for this request."""
        version = self.db.version()
        if version[0] != self._data_version:
            self._data_version = version[0]
            if meta.get(self.db, "meta_version") != self._meta_version:
                self.load_meta()
                return
        self.version = version

    @property
    def seed(self) -> int:
        return int(meta.get(self.db, "seed", "0") or 0)

    @property
    def start(self) -> str:
        return meta.get(self.db, "start", "") or ""

    def describe(self) -> dict:
        return {"id": self.id, "seed": self.seed, "start": self.start, "clock": self.clock.describe()}


def resolve_start(start: str | None, settings: Settings) -> datetime:
    """``None`` -> the settings' fixed start; ``"now"`` -> the wall clock now; else an ISO instant."""
    if start is None:
        return parse_instant(settings.default_start)
    if start == "now":
        return datetime.fromtimestamp(int(wall_seconds()), SHANGHAI)
    return parse_instant(start)


class SandboxRegistry:
    def __init__(self, db_path: str | Path, settings: Settings, *, on_sms: SmsListener | None = None,
                 shared: bool = False, default_faults: FaultProfile | None = None) -> None:
        """``shared``: several worker processes serve these files (``zheliban-mock --workers N``).
        ``default_faults``: the profile of every sandbox that has none of its own (``--faults``)."""
        self.shared = shared
        self.default_faults = default_faults
        self.db_path = Path(db_path)
        self.settings = settings
        self.on_sms = on_sms
        self._sandboxes: dict[str, Sandbox] = {}
        self._lock = threading.RLock()

    # --- files ----------------------------------------------------------------------------------
    def path_of(self, sandbox_id: str) -> Path:
        if sandbox_id == self.settings.default_sandbox:
            return self.db_path
        return self.db_path.parent / f"{self.db_path.stem}.sandboxes" / f"{sandbox_id}.sqlite"

    @staticmethod
    def check_id(sandbox_id: str) -> str:
        if not isinstance(sandbox_id, str) or not SANDBOX_ID.match(sandbox_id):
            raise ProblemError("INVALID_SANDBOX_ID",
                               "A sandbox id is 1-63 characters: a-z, 0-9, '-' and '_'")
        return sandbox_id

    # --- templates ------------------------------------------------------------------------------
    def template(self, seed: int, start_day: date) -> Database:
        key = (seed, start_day.isoformat(), repr(self.settings))
        with _TEMPLATES_LOCK:
            db = _TEMPLATES.get(key)
            if db is None:
                from .seed import seed_database

                db = Database(":memory:")
                migrate(db)
                seed_database(db, seed=seed, start_day=start_day, settings=self.settings)
                if len(_TEMPLATES) >= _TEMPLATES_KEPT:
                    _TEMPLATES.pop(next(iter(_TEMPLATES))).close()
                _TEMPLATES[key] = db
            return db

    def _fill(self, sandbox: Sandbox, seed: int, start_spec: str | None) -> None:
        start = resolve_start(start_spec, self.settings)
        faults = meta.get(sandbox.db, "faults", "") or ""  # a reset changes data and clock, not faults
        sandbox.db.copy_from(self.template(seed, start.date()))
        with sandbox.db.write():
            meta.put(sandbox.db, "faults", faults)
            meta.put(sandbox.db, "sandbox_id", sandbox.id)
            meta.put(sandbox.db, "seed", str(seed))
            meta.put(sandbox.db, "start_spec", start_spec or "")
            meta.put(sandbox.db, "start", iso(start))
            meta.put(sandbox.db, "secret", secrets.token_hex(32))
            meta.put(sandbox.db, "clock_virtual", repr(start.timestamp()))
            meta.put(sandbox.db, "clock_wall", repr(wall_seconds()))
            meta.put(sandbox.db, "clock_frozen", "0")
            meta.bump_version(sandbox.db)
        sandbox.load_meta()

    # --- lifecycle ------------------------------------------------------------------------------
    def _open(self, sandbox_id: str) -> Sandbox:
        path = self.path_of(sandbox_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(path, shared=self.shared)
        migrate(db)
        sandbox = Sandbox(sandbox_id, db, self.settings, on_sms=self.on_sms, path=str(path),
                          default_faults=self.default_faults)
        sandbox.inode = os.stat(path).st_ino
        return sandbox

    def _is_seeded(self, sandbox: Sandbox) -> bool:
        return meta.get(sandbox.db, "secret") is not None

    def get(self, sandbox_id: str) -> Sandbox:
        sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is not None:
            if self.shared:
                sandbox = self._still_there(sandbox)
            if sandbox is not None:
                sandbox.refresh()
                return sandbox
        self.check_id(sandbox_id)
        with self._lock:
            sandbox = self._sandboxes.get(sandbox_id)
            if sandbox is None:
                if not self.path_of(sandbox_id).exists():
                    raise ProblemError("SANDBOX_NOT_FOUND", f"No sandbox is called {sandbox_id!r}")
                sandbox = self._open(sandbox_id)
                if not self._is_seeded(sandbox):
                    sandbox.db.close()
                    raise ProblemError("SANDBOX_NOT_FOUND", f"No sandbox is called {sandbox_id!r}")
                self._sandboxes[sandbox_id] = sandbox
            return sandbox

    def _still_there(self, sandbox: Sandbox) -> Sandbox | None:
        """Another worker may have deleted (and re-created) the sandbox's file: forget a stale one."""
        try:
            if os.stat(sandbox.path).st_ino == sandbox.inode:
                return sandbox
        except FileNotFoundError:
            pass
        with self._lock:
            if self._sandboxes.get(sandbox.id) is sandbox:
                del self._sandboxes[sandbox.id]
                sandbox.db.close()
        return None

    def ensure(self, sandbox_id: str, *, seed: int, start: str | None) -> Sandbox:
        """Open the sandbox, creating and seeding it if its file is new (server start-up)."""
        self.check_id(sandbox_id)
        with self._lock:
            try:
                return self.get(sandbox_id)
            except ProblemError:
                return self.create(sandbox_id, seed=seed, start=start)

    def create(self, sandbox_id: str, *, seed: int, start: str | None = None) -> Sandbox:
        self.check_id(sandbox_id)
        with self._lock:
            if sandbox_id in self._sandboxes or self.path_of(sandbox_id).exists():
                try:
                    self.get(sandbox_id)
                    raise ProblemError("SANDBOX_EXISTS", f"A sandbox called {sandbox_id!r} exists already")
                except ProblemError as err:
                    if err.code != "SANDBOX_NOT_FOUND":
                        raise
            sandbox = self._open(sandbox_id)
            self._fill(sandbox, seed, start)
            self._sandboxes[sandbox_id] = sandbox
            return sandbox

    def reset(self, sandbox_id: str, *, seed: int | None = None) -> Sandbox:
        sandbox = self.get(sandbox_id)
        with self._lock:
            spec = meta.get(sandbox.db, "start_spec", "") or None
            self._fill(sandbox, sandbox.seed if seed is None else seed, spec)
            return sandbox

    # --- snapshots ------------------------------------------------------------------------------
    def snapshot_path(self, sandbox_id: str, name: str) -> Path:
        folder = self.path_of(sandbox_id)
        return folder.with_name(folder.stem + ".snapshots") / f"{name}.sqlite"

    def snapshot(self, sandbox_id: str, name: str) -> dict:
        """Keep a copy of the sandbox's data and clock under ``name`` (an existing one is replaced)."""
        self.check_id(name)
        sandbox = self.get(sandbox_id)
        path = self.snapshot_path(sandbox_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        taken_at = sandbox.clock.now()
        copy = Database(str(path) + ".part")
        try:
            copy.copy_from(sandbox.db)
            with copy.write():
                # the clock resumes at the instant of the snapshot when it is restored
                meta.put(copy, "clock_virtual", repr(taken_at.timestamp()))
        finally:
            copy.close()
        os.replace(str(path) + ".part", path)
        return {"name": name, "sandbox": sandbox_id, "taken_at": iso(taken_at)}

    def restore(self, sandbox_id: str, name: str) -> Sandbox:
        """Put the sandbox back to a snapshot: its data, and its clock at the snapshot's instant."""
        self.check_id(name)
        sandbox = self.get(sandbox_id)
        path = self.snapshot_path(sandbox_id, name)
        if not path.exists():
            raise ProblemError("SNAPSHOT_NOT_FOUND", f"The sandbox {sandbox_id!r} has no snapshot {name!r}")
        source = Database(path)
        try:
            with self._lock:
                faults = meta.get(sandbox.db, "faults", "") or ""
                sandbox.db.copy_from(source)
                with sandbox.db.write():
                    meta.put(sandbox.db, "faults", faults)
                    meta.put(sandbox.db, "clock_wall", repr(wall_seconds()))
                    meta.bump_version(sandbox.db)
                sandbox.load_meta()
        finally:
            source.close()
        return sandbox

    def delete(self, sandbox_id: str) -> None:
        if sandbox_id == self.settings.default_sandbox:
            raise ProblemError("SANDBOX_PROTECTED", "The default sandbox can be reset, not deleted",
                               status=409)
        sandbox = self.get(sandbox_id)
        with self._lock:
            self._sandboxes.pop(sandbox_id, None)
            sandbox.db.close()
            path = self.path_of(sandbox_id)
            for suffix in ("", "-wal", "-shm", ".lock"):
                try:
                    os.remove(str(path) + suffix)
                except FileNotFoundError:
                    pass
            shutil.rmtree(path.with_name(path.stem + ".snapshots"), ignore_errors=True)

    def list(self) -> list[Sandbox]:
        ids = set(self._sandboxes)
        folder = self.path_of("x").parent
        if folder.exists():
            ids.update(p.stem for p in folder.glob("*.sqlite") if SANDBOX_ID.match(p.stem))
        if self.db_path.exists():
            ids.add(self.settings.default_sandbox)
        out = []
        for sid in sorted(ids):
            try:
                out.append(self.get(sid))
            except ProblemError:
                continue
        return out

    def close(self) -> None:
        with self._lock:
            for sandbox in self._sandboxes.values():
                sandbox.db.close()
            self._sandboxes.clear()


def schema_version() -> int:
    return latest_version()
