"""Who is logged in, kept between runs: the refresh token in the OS keyring, with an explicit fallback.

Where a session lives
---------------------
1. ``ZHELIBAN_SESSION_FILE`` (or the ``session_file`` argument) names an explicit session file: it is
   used for every read and write and the keyring is never touched. Scripts use this.
2. Otherwise the OS keyring, through :mod:`keyring` (Secret Service on Linux desktops, Keychain on macOS,
   Credential Manager on Windows). Two kinds of entries per server, under one service name::

       service  = "zheliban:" + server URL [+ "#" + sandbox id]
                  e.g. "zheliban:http://127.0.0.1:8930" or "zheliban:http://127.0.0.1:8930#qa-1"
       username = <citizen id>   password = that citizen's refresh token (one entry per citizen)
       username = ".last-user"   password = {"citizen_id": ..., "label": ...} (JSON, no secret)

   The ``.last-user`` pointer says whose session to resume at the next start; saving a session for
   another citizen moves the pointer and leaves the other citizen's entry in place.
3. Where no keyring works (headless Linux: ``NoKeyringError``, the ``fail`` or ``null`` backend; or a
   locked or unreachable Secret Service raising on use) the store records one warning and keeps the
   session in memory only, or, when the user asked to be remembered (``remember=True``), in
   ``session.json`` in ``platformdirs.user_state_dir("zheliban")`` (directory 0700, file 0600). A server
   that already has an entry in that file keeps being saved there, so a rotated refresh token never leaves
   a stale copy behind; an existing entry is read whether or not ``remember`` is set (the user said so
   when it was written). Once the keyring works again, the next save moves the session into the keyring
   and drops the file entry.

Session files (read and written by :mod:`zheliban_tui.session_file`) hold JSON keyed by the same service
name, so several servers and sandboxes coexist::

    {"version": 1, "sessions": {"zheliban:http://127.0.0.1:8930#qa-1":
        {"server": ..., "sandbox": ..., "citizen_id": ..., "refresh_token": ..., "label": ...}}}

Files are written through a 0600 temporary file and an atomic rename, under an exclusive lock on the
directory, so parallel commands against different sandboxes do not lose each other's entries. Like
ssh with a private key, a session file that group or others may access is refused (warned, ignored);
saving a new session rewrites it as 0600.

The refresh token never appears in a repr, a warning or an exception message. ``keyring`` is imported at
first use (it costs ~90 ms to import and up to a second to choose a backend), so calls that touch the
keyring should run off the UI thread.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from .session_file import (  # the session-file constants stay importable from here
    APP_NAME,
    FILE_VERSION,  # noqa: F401
    MAX_FILE_BYTES,  # noqa: F401
    SESSION_FILE_INSECURE,  # noqa: F401
    SESSION_FILE_INVALID,
    SESSION_FILE_NAME,  # noqa: F401
    SESSION_FILE_UNWRITABLE,
    default_session_file,
    drop_entry,
    read_sessions,
    write_entry,
)

__all__ = [
    "APP_NAME",
    "LAST_USER",
    "SESSION_FILE_ENV",
    "CredentialStore",
    "CredentialStoreError",
    "StoreWarning",
    "StoredSession",
    "normalize_server",
    "service_name",
]

SESSION_FILE_ENV = "ZHELIBAN_SESSION_FILE"
LAST_USER = ".last-user"
"""Keyring username of the entry that names the last logged-in citizen; no citizen id starts with a dot."""

# Stable warning codes, for the app's own translations (the SESSION_FILE_* ones come from session_file).
NO_KEYRING = "NO_KEYRING"
KEYRING_FAILED = "KEYRING_FAILED"

Where = Literal["keyring", "file", "memory"]


class CredentialStoreError(Exception):
    """A session could not be kept where it was explicitly asked to be kept."""


@dataclass(frozen=True)
class StoredSession:
    """A citizen's resumable session on one server (and sandbox). The token stays out of ``repr``."""

    server: str
    sandbox: str | None
    citizen_id: str
    refresh_token: str = field(repr=False)
    label: str | None = None
    """Something to show before the first request, such as the masked phone number."""


@dataclass(frozen=True)
class StoreWarning:
    """Something the user should be told once. ``code`` is stable; ``message`` is one English line."""

    code: str
    message: str
    path: str | None = None


def normalize_server(url: str) -> str:
    """``" HTTP://Host:8930/ "`` -> ``"http://host:8930"``; user info in the URL is dropped."""
    text = url.strip().rstrip("/")
    scheme, sep, rest = text.partition("://")
    if not sep or not scheme or not rest:
        raise ValueError(f"not a server URL: {url!r}")
    host, slash, path = rest.partition("/")
    host = host.rpartition("@")[2]
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def service_name(server_url: str, sandbox: str | None = None) -> str:
    """The keyring service name and session-file key of one server (and sandbox)."""
    server = normalize_server(server_url)
    return f"{APP_NAME}:{server}#{sandbox}" if sandbox else f"{APP_NAME}:{server}"


class _KeyringUnusable(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _check_text(name: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value or any(ch < " " for ch in value):
        raise ValueError(f"{name} must be a non-empty single-line string")


class CredentialStore:
    """Loads, saves and clears the session of one server (and sandbox). Thread-safe; see the module doc."""

    def __init__(
        self,
        server_url: str,
        sandbox: str | None = None,
        *,
        remember: bool = False,
        keyring_backend: Any = None,
        session_file: str | os.PathLike[str] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        self.server = normalize_server(server_url)
        self.sandbox = sandbox or None
        self.service = service_name(self.server, self.sandbox)
        self.remember = remember
        explicit = session_file or env.get(SESSION_FILE_ENV) or None
        self.explicit_file: Path | None = Path(explicit).expanduser() if explicit else None
        self._state_dir = state_dir
        self._backend = keyring_backend
        self._keyring_failure: _KeyringUnusable | None = None
        self._memory: StoredSession | None = None
        self._from_file = False
        self._file_failed = False
        self._warnings: dict[tuple[str, str | None], StoreWarning] = {}
        self._taken: set[tuple[str, str | None]] = set()
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"CredentialStore(service={self.service!r}, where={self.where!r})"

    # --- what the app shows --------------------------------------------------------------------------

    @property
    def session_file(self) -> Path:
        """The file this store reads and writes when it uses one."""
        return self.explicit_file or default_session_file(self._state_dir)

    @property
    def where(self) -> Where:
        """Where the session is kept now: "keyring" until the keyring fails on first use."""
        if self.explicit_file is not None:
            return "file"
        if self._keyring_failure is None:
            return "file" if self._from_file else "keyring"
        if (self.remember or self._from_file) and not self._file_failed:
            return "file"
        return "memory"

    @property
    def warnings(self) -> tuple[StoreWarning, ...]:
        with self._lock:
            return tuple(self._current_warnings())

    @property
    def warning(self) -> str | None:
        """The first warning's one-line message, or None."""
        found = self.warnings
        return found[0].message if found else None

    @property
    def warning_code(self) -> str | None:
        found = self.warnings
        return found[0].code if found else None

    def take_warnings(self) -> tuple[StoreWarning, ...]:
        """The warnings not taken before: for showing each one exactly once."""
        with self._lock:
            fresh = []
            for key, item in zip(self._warnings, self._current_warnings()):
                if key not in self._taken:
                    self._taken.add(key)
                    fresh.append(item)
            return tuple(fresh)

    # --- the three operations ------------------------------------------------------------------------

    def load(self, citizen_id: str | None = None) -> StoredSession | None:
        """The last citizen's session (or ``citizen_id``'s), or None."""
        with self._lock:
            if self.explicit_file is not None:
                return self._load_file(self.explicit_file, citizen_id)
            if self._keyring_failure is None:
                try:
                    found = self._load_keyring(citizen_id)
                except Exception as exc:  # any backend failure means: no usable keyring
                    self._keyring_failed(exc)
                else:
                    if found is not None:
                        self._memory, self._from_file = found, False
                        return found
            if self._memory is not None and citizen_id in (None, self._memory.citizen_id):
                return self._memory
            found = self._load_file(self.session_file, citizen_id)
            if found is not None:
                self._memory, self._from_file = found, True
            return found

    def save(self, session: StoredSession) -> None:
        """Keep ``session`` as this server's current one (and its citizen as the last user)."""
        self._validate(session)
        with self._lock:
            self._memory = session
            if self.explicit_file is not None:
                try:
                    self._write_file(self.explicit_file, session, private_dir=False)
                except OSError as exc:
                    raise CredentialStoreError(
                        f"cannot write the session file {self.explicit_file}: {exc.strerror or type(exc).__name__}"
                    ) from None
                return
            if self._keyring_failure is None:
                try:
                    self._save_keyring(session)
                except Exception as exc:
                    self._keyring_failed(exc)
                    self._forget_keyring_entry(session.citizen_id)
                else:
                    if self._from_file or self.session_file.exists():
                        self._drop_file_entry(self.session_file, None, quiet=True)
                    self._from_file = False
                    return
            if not (self.remember or self._from_file) and self.session_file.exists():
                sessions = self._read_sessions(self.session_file, check_mode=False)
                self._from_file = bool(sessions and self.service in sessions)  # no stale copy stays behind
            if self.remember or self._from_file:
                try:
                    self._write_file(self.session_file, session, private_dir=True)
                    self._file_failed = False
                except OSError as exc:
                    self._file_failed = True
                    self._warn(SESSION_FILE_UNWRITABLE,
                               f"Cannot write the session file {self.session_file} "
                               f"({exc.strerror or type(exc).__name__}); the session is kept in memory only.",
                               str(self.session_file))

    def clear(self, citizen_id: str | None = None) -> None:
        """Forget a session everywhere: keyring entry, last-user pointer, file entry and memory.

        Without ``citizen_id``: the session this store loaded or saved, else the last user's.
        """
        with self._lock:
            target = citizen_id or (self._memory.citizen_id if self._memory else None)
            if self.explicit_file is None and self._keyring_failure is None:
                try:
                    self._clear_keyring(target)
                except Exception as exc:
                    self._keyring_failed(exc)
            path = self.session_file
            if self.explicit_file is not None or path.exists():
                self._drop_file_entry(path, target, quiet=self.explicit_file is None)
            if self._memory is not None and self._memory.citizen_id == target:
                self._memory = None
            self._from_file = False

    @classmethod
    def in_memory(cls, server_url: str, sandbox: str | None = None) -> "CredentialStore":
        """A store that keeps the session for this run only and touches no keyring and no file
        (the demo: a presenter's machine keeps nothing between visitors)."""
        return cls(server_url, sandbox, keyring_backend=MemoryBackend(), env={})

    # --- keyring -------------------------------------------------------------------------------------

    def _keyring(self) -> Any:
        if self._backend is None:
            import keyring  # imported at first use: it is slow to import and slower to pick a backend

            self._backend = keyring.get_keyring()
        from keyring.backends import fail, null

        if isinstance(self._backend, fail.Keyring):
            raise _KeyringUnusable(NO_KEYRING, "No OS keyring is available")
        if isinstance(self._backend, null.Keyring):
            raise _KeyringUnusable(NO_KEYRING, "The OS keyring is disabled")
        return self._backend

    def _load_keyring(self, citizen_id: str | None) -> StoredSession | None:
        backend = self._keyring()
        pointer = _parse_pointer(backend.get_password(self.service, LAST_USER))
        wanted = citizen_id or (pointer or {}).get("citizen_id")
        if not wanted:
            return None
        token = backend.get_password(self.service, wanted)
        if not token:
            return None
        label = pointer.get("label") if pointer and pointer.get("citizen_id") == wanted else None
        return StoredSession(self.server, self.sandbox, wanted, token, label if isinstance(label, str) else None)

    def _save_keyring(self, session: StoredSession) -> None:
        backend = self._keyring()
        backend.set_password(self.service, session.citizen_id, session.refresh_token)
        pointer = {"citizen_id": session.citizen_id, "label": session.label}
        backend.set_password(self.service, LAST_USER, json.dumps(pointer, ensure_ascii=False))

    def _clear_keyring(self, target: str | None) -> None:
        from keyring.errors import PasswordDeleteError

        backend = self._keyring()
        raw = backend.get_password(self.service, LAST_USER)
        pointed = (_parse_pointer(raw) or {}).get("citizen_id")
        target = target or pointed
        if target:
            try:
                backend.delete_password(self.service, target)
            except PasswordDeleteError:
                pass
        if raw is not None and pointed in (None, target):
            try:
                backend.delete_password(self.service, LAST_USER)
            except PasswordDeleteError:
                pass

    def _forget_keyring_entry(self, citizen_id: str) -> None:
        """After a half-done save: a token that may be rotated away must not linger in the keyring."""
        backend = self._backend
        if backend is None or (self._keyring_failure and self._keyring_failure.code == NO_KEYRING):
            return
        for username in (citizen_id, LAST_USER):
            try:
                backend.delete_password(self.service, username)
            except Exception:
                pass

    def _keyring_failed(self, exc: Exception) -> None:
        if isinstance(exc, _KeyringUnusable):
            self._keyring_failure = exc
            self._warnings.setdefault((exc.code, None), StoreWarning(exc.code, ""))
            return
        try:
            from keyring.errors import KeyringLocked, NoKeyringError
        except ImportError:  # pragma: no cover - keyring is a dependency
            KeyringLocked = NoKeyringError = ()  # type: ignore[assignment,misc]
        if isinstance(exc, NoKeyringError):
            failure = _KeyringUnusable(NO_KEYRING, "No OS keyring is available")
        elif isinstance(exc, KeyringLocked):
            failure = _KeyringUnusable(KEYRING_FAILED, "The OS keyring is locked")
        else:
            failure = _KeyringUnusable(KEYRING_FAILED, f"The OS keyring failed ({type(exc).__name__})")
        self._keyring_failed(failure)

    # --- files ---------------------------------------------------------------------------------------

    def _load_file(self, path: Path, citizen_id: str | None) -> StoredSession | None:
        sessions = self._read_sessions(path, check_mode=True)
        entry = (sessions or {}).get(self.service)
        if not isinstance(entry, dict):
            return None
        try:
            found = StoredSession(self.server, self.sandbox, entry["citizen_id"], entry["refresh_token"],
                                  entry.get("label"))
            self._validate(found)
        except (KeyError, TypeError, ValueError):
            self._warn(SESSION_FILE_INVALID, f"Ignoring the session file {path}: it is not a valid session file.",
                       str(path))
            return None
        if citizen_id not in (None, found.citizen_id):
            return None
        return found

    def _read_sessions(self, path: Path, *, check_mode: bool) -> dict[str, Any] | None:
        """The file's sessions; {} when it does not exist; None (with a warning) when it may not be used."""
        return read_sessions(path, check_mode=check_mode, warn=self._warn)

    def _write_file(self, path: Path, session: StoredSession, *, private_dir: bool) -> None:
        entry = {"server": session.server, "sandbox": session.sandbox, "citizen_id": session.citizen_id,
                 "refresh_token": session.refresh_token, "label": session.label}
        write_entry(path, self.service, entry, private_dir=private_dir, warn=self._warn)

    def _drop_file_entry(self, path: Path, citizen_id: str | None, *, quiet: bool) -> None:
        try:
            drop_entry(path, self.service, citizen_id, warn=self._warn)
        except OSError as exc:
            if not quiet:
                raise CredentialStoreError(
                    f"cannot update the session file {path}: {exc.strerror or type(exc).__name__}") from None
            self._warn(SESSION_FILE_UNWRITABLE,
                       f"Cannot remove the session from {path} ({exc.strerror or type(exc).__name__}).", str(path))

    # --- warnings ------------------------------------------------------------------------------------

    def _warn(self, code: str, message: str, path: str | None = None) -> None:
        self._warnings.setdefault((code, path), StoreWarning(code, message, path))

    def _current_warnings(self) -> list[StoreWarning]:
        """Warnings in the order they arose; the keyring one states where the session is kept now."""
        found = []
        for (code, path), item in self._warnings.items():
            if self._keyring_failure is not None and code == self._keyring_failure.code and path is None:
                item = StoreWarning(code, self._keyring_message())
            found.append(item)
        return found

    def _keyring_message(self) -> str:
        assert self._keyring_failure is not None
        if self.where == "file":
            tail = f"the session is kept in {self.session_file} (mode 0600)."
        else:
            tail = "the session is kept in memory only and ends with this program."
        return f"{self._keyring_failure.reason}; {tail}"

    def _validate(self, session: StoredSession) -> None:
        if not isinstance(session, StoredSession):
            raise TypeError("expected a StoredSession")
        if normalize_server(session.server) != self.server or (session.sandbox or None) != self.sandbox:
            raise ValueError(f"the session belongs to another server or sandbox than {self.service}")
        _check_text("citizen_id", session.citizen_id)
        if session.citizen_id == LAST_USER:
            raise ValueError("citizen_id is reserved")
        _check_text("refresh_token", session.refresh_token)
        _check_text("label", session.label, optional=True)


def _parse_pointer(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        pointer = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(pointer, dict) or not isinstance(pointer.get("citizen_id"), str):
        return None
    return pointer



class MemoryBackend:
    """A keyring backend held in this process's memory (the three calls the store makes)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._entries.pop((service, username), None)

    def __repr__(self) -> str:
        return f"MemoryBackend({len(self._entries)} entries)"
