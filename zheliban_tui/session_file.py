"""The session FILE: the 0600 JSON file that keeps sessions where no keyring is used or works.

The file holds JSON keyed by the keyring service name, so several servers and sandboxes coexist::

    {"version": 1, "sessions": {"zheliban:http://127.0.0.1:8930#qa-1":
        {"server": ..., "sandbox": ..., "citizen_id": ..., "refresh_token": ..., "label": ...}}}

It is written through a 0600 temporary file and an atomic rename, under an exclusive ``flock`` on the
directory, so parallel commands against different sandboxes do not lose each other's entries. A file that
group or others may access is refused when read for a session (warned, ignored), like ssh with a private key.

This module knows nothing of keyrings or :class:`~zheliban_tui.credentials.StoredSession`: it reads, writes
and drops raw entries and reports problems through a ``warn(code, message, path)`` callback. The policy of
when to use the file lives in :mod:`zheliban_tui.credentials`. ``platformdirs`` and ``fcntl`` are imported
at first use.
"""
from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

APP_NAME = "zheliban"
SESSION_FILE_NAME = "session.json"
FILE_VERSION = 1
MAX_FILE_BYTES = 1 << 20

# Stable warning codes, for the app's own translations.
SESSION_FILE_INSECURE = "SESSION_FILE_INSECURE"
SESSION_FILE_INVALID = "SESSION_FILE_INVALID"
SESSION_FILE_UNWRITABLE = "SESSION_FILE_UNWRITABLE"

Warn = Callable[[str, str, "str | None"], None]
"""``warn(code, message, path)``: records one warning for the user."""


def default_session_file(state_dir: str | os.PathLike[str] | None = None) -> Path:
    if state_dir is None:
        import platformdirs  # imported here: only headless fallbacks need it

        state_dir = platformdirs.user_state_dir(APP_NAME, appauthor=False)
    return Path(state_dir) / SESSION_FILE_NAME


def read_sessions(path: Path, *, check_mode: bool, warn: Warn) -> dict[str, Any] | None:
    """The file's sessions; {} when it does not exist; None (with a warning) when it may not be used."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        warn(SESSION_FILE_INVALID,
             f"Ignoring the session file {path}: {exc.strerror or type(exc).__name__}.", str(path))
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            warn(SESSION_FILE_INVALID, f"Ignoring the session file {path}: it is not a regular file.", str(path))
            return None
        if check_mode and os.name != "nt" and info.st_mode & 0o077:
            warn(SESSION_FILE_INSECURE,
                 f"Ignoring the session file {path}: it is accessible by group or others "
                 f"(mode {stat.S_IMODE(info.st_mode):04o}; run chmod 600 on it).", str(path))
            return None
        raw = handle.read(MAX_FILE_BYTES + 1)
    try:
        data = json.loads(raw.decode("utf-8")) if len(raw) <= MAX_FILE_BYTES else None
    except (UnicodeDecodeError, ValueError):
        data = None
    sessions = data.get("sessions") if isinstance(data, dict) else None
    if not isinstance(sessions, dict):
        warn(SESSION_FILE_INVALID, f"Ignoring the session file {path}: it is not a valid session file.", str(path))
        return None
    return sessions


def write_entry(path: Path, service: str, entry: dict[str, Any], *, private_dir: bool, warn: Warn) -> None:
    """Set ``service``'s entry in the file, keeping the other entries. Raises OSError."""
    ensure_dir(path.parent, private=private_dir)
    with DirectoryLock(path.parent):
        sessions = read_sessions(path, check_mode=False, warn=warn) or {}
        sessions[service] = entry
        replace_file(path, {"version": FILE_VERSION, "sessions": sessions})


def drop_entry(path: Path, service: str, citizen_id: str | None, *, warn: Warn) -> None:
    """Remove ``service``'s entry (only if it is ``citizen_id``'s, when given); the file goes when empty.

    Raises OSError.
    """
    with DirectoryLock(path.parent):
        sessions = read_sessions(path, check_mode=False, warn=warn)
        entry = (sessions or {}).get(service)
        if sessions is None or entry is None:
            return
        if citizen_id is not None and isinstance(entry, dict) and entry.get("citizen_id") != citizen_id:
            return
        del sessions[service]
        if sessions:
            replace_file(path, {"version": FILE_VERSION, "sessions": sessions})
        else:
            path.unlink(missing_ok=True)


def ensure_dir(directory: Path, *, private: bool) -> None:
    """Create ``directory`` as 0700 when missing; make the app's own state directory 0700 always."""
    if not directory.is_dir():
        os.makedirs(directory, mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)
    elif private and os.name != "nt" and stat.S_IMODE(directory.stat().st_mode) != 0o700:
        os.chmod(directory, 0o700)


def replace_file(path: Path, content: dict[str, Any]) -> None:
    """Write ``content`` to a new 0600 file beside ``path``, then rename it over ``path``."""
    data = json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, 0o600)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class DirectoryLock:
    """An exclusive ``flock`` on the directory, held while a session file is read, changed and replaced."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.fd: int | None = None

    def __enter__(self) -> DirectoryLock:
        if os.name == "nt":
            return self
        import fcntl

        try:
            self.fd = os.open(self.directory, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError:  # e.g. a file system without flock: carry on unlocked
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor releases the lock
            self.fd = None
