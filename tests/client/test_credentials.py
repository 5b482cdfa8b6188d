"""The session store: OS keyring first, then memory or a 0600 file, never a token in sight."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.compat import properties
from keyring.errors import KeyringError, KeyringLocked, PasswordDeleteError

from tests.requirements import need_module, need_program
from zheliban_tui.credentials import (
    KEYRING_FAILED,
    LAST_USER,
    NO_KEYRING,
    SESSION_FILE_ENV,
    SESSION_FILE_INSECURE,
    SESSION_FILE_INVALID,
    CredentialStore,
    CredentialStoreError,
    StoredSession,
    service_name,
)

ROOT = Path(__file__).resolve().parents[2]
SERVER = "http://127.0.0.1:8930"
OTHER = "http://127.0.0.1:8931"
TOKEN = "rt1.SECRET-token-zhang-0001"
TOKEN_B = "rt1.SECRET-token-li-0002"
NO_ENV: dict[str, str] = {}


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict; never chosen by keyring's own detection."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("for tests only")

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


class RaisingKeyring(MemoryKeyring):
    """A keyring that is present but fails on use, with the secret in its error text."""

    error: type[Exception] = KeyringError

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error(f"cannot read {service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error(f"cannot store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise self.error("cannot delete")


class LockedKeyring(RaisingKeyring):
    error = KeyringLocked


class WriteFailingKeyring(MemoryKeyring):
    """Reads work (and find nothing); storing raises KeyringError."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError(f"cannot store {password}")


def session(server: str = SERVER, sandbox: str | None = None, citizen: str = "C0001", token: str = TOKEN,
            label: str | None = "138****0001") -> StoredSession:
    return StoredSession(server, sandbox, citizen, token, label)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state" / "zheliban"


@pytest.fixture
def ring() -> MemoryKeyring:
    return MemoryKeyring()


def store(backend, state_dir: Path, server: str = SERVER, sandbox: str | None = None, **kw) -> CredentialStore:
    kw.setdefault("env", NO_ENV)
    return CredentialStore(server, sandbox, keyring_backend=backend, state_dir=state_dir, **kw)


# --- names ---------------------------------------------------------------------------------------------


def test_service_name_is_derived_from_the_server_and_sandbox():
    assert service_name(SERVER) == "zheliban:http://127.0.0.1:8930"
    assert service_name(SERVER, "qa-1") == "zheliban:http://127.0.0.1:8930#qa-1"
    assert service_name(" HTTP://Example.ORG:8930/ ") == "zheliban:http://example.org:8930"
    assert service_name("https://user:pw@gov.example/api/") == "zheliban:https://gov.example/api"
    with pytest.raises(ValueError):
        service_name("127.0.0.1:8930")


# --- a working keyring ---------------------------------------------------------------------------------


def test_save_load_clear_through_the_keyring(ring, state_dir):
    s = store(ring, state_dir)
    assert s.load() is None
    s.save(session())
    assert s.where == "keyring" and s.warning is None and s.warnings == ()

    fresh = store(ring, state_dir)  # the next start of the program
    assert fresh.load() == session()
    assert fresh.where == "keyring"

    fresh.clear()
    assert ring.entries == {}
    assert store(ring, state_dir).load() is None
    assert not state_dir.exists(), "a working keyring writes no file"


def test_one_entry_per_user_plus_the_last_user_pointer(ring, state_dir):
    store(ring, state_dir).save(session())
    service = "zheliban:http://127.0.0.1:8930"
    assert ring.entries[(service, "C0001")] == TOKEN
    pointer = json.loads(ring.entries[(service, LAST_USER)])
    assert pointer == {"citizen_id": "C0001", "label": "138****0001"}
    assert TOKEN not in ring.entries[(service, LAST_USER)]
    assert len(ring.entries) == 2


def test_a_second_user_moves_the_pointer_and_keeps_the_first_entry(ring, state_dir):
    store(ring, state_dir).save(session())
    store(ring, state_dir).save(session(citizen="C0002", token=TOKEN_B, label="139****0002"))
    service = service_name(SERVER)
    assert ring.entries[(service, "C0001")] == TOKEN
    assert ring.entries[(service, "C0002")] == TOKEN_B
    assert len(ring.entries) == 3

    assert store(ring, state_dir).load("C0001") == session(label=None)  # the label belongs to the pointer
    s = store(ring, state_dir)
    assert s.load() == session(citizen="C0002", token=TOKEN_B, label="139****0002")
    s.clear()  # the last user logs out: their entry and the pointer go, the other citizen stays
    assert set(ring.entries) == {(service, "C0001")}
    assert store(ring, state_dir).load() is None
    assert store(ring, state_dir).load("C0001").refresh_token == TOKEN


def test_clearing_another_citizen_keeps_the_pointer(ring, state_dir):
    store(ring, state_dir).save(session())
    store(ring, state_dir).save(session(citizen="C0002", token=TOKEN_B))
    store(ring, state_dir).clear("C0001")
    assert (service_name(SERVER), "C0001") not in ring.entries
    assert store(ring, state_dir).load().citizen_id == "C0002"


def test_two_servers_do_not_mix(ring, state_dir):
    store(ring, state_dir, SERVER).save(session(SERVER))
    store(ring, state_dir, OTHER).save(session(OTHER, citizen="C0002", token=TOKEN_B))
    assert store(ring, state_dir, SERVER).load().refresh_token == TOKEN
    assert store(ring, state_dir, OTHER).load().refresh_token == TOKEN_B
    store(ring, state_dir, OTHER).clear()
    assert store(ring, state_dir, SERVER).load().refresh_token == TOKEN
    assert store(ring, state_dir, OTHER).load() is None


def test_the_sandbox_separates_entries(ring, state_dir):
    store(ring, state_dir, SERVER, "qa-1").save(session(sandbox="qa-1"))
    assert store(ring, state_dir, SERVER).load() is None
    assert store(ring, state_dir, SERVER, "qa-2").load() is None
    assert store(ring, state_dir, SERVER, "qa-1").load() == session(sandbox="qa-1")
    assert {service for service, _ in ring.entries} == {"zheliban:http://127.0.0.1:8930#qa-1"}


def test_a_session_for_another_server_is_refused(ring, state_dir):
    with pytest.raises(ValueError) as caught:
        store(ring, state_dir).save(session(OTHER))
    assert TOKEN not in str(caught.value)
    with pytest.raises(ValueError):
        store(ring, state_dir).save(session(sandbox="qa-1"))
    with pytest.raises(ValueError):
        store(ring, state_dir).save(session(citizen=LAST_USER))
    assert ring.entries == {}


def test_a_session_remembered_in_a_file_moves_into_a_working_keyring(ring, state_dir):
    store(fail.Keyring(), state_dir, remember=True).save(session())
    assert (state_dir / "session.json").exists()

    s = store(ring, state_dir)  # the keyring works again
    assert s.load() == session() and s.where == "file"
    s.save(session(token=TOKEN_B))  # a rotated token goes to the keyring, the file entry goes away
    assert s.where == "keyring"
    assert ring.entries[(service_name(SERVER), "C0001")] == TOKEN_B
    assert not (state_dir / "session.json").exists()


# --- no usable keyring ---------------------------------------------------------------------------------

BROKEN = {
    "fail backend": (fail.Keyring, NO_KEYRING),
    "raises KeyringError": (RaisingKeyring, KEYRING_FAILED),
    "locked": (LockedKeyring, KEYRING_FAILED),
    "set_password raises": (WriteFailingKeyring, KEYRING_FAILED),
}


@pytest.fixture(params=list(BROKEN), ids=list(BROKEN))
def broken(request):
    backend_class, code = BROKEN[request.param]
    return backend_class, code


def test_without_a_keyring_the_session_stays_in_memory_with_one_warning(broken, state_dir):
    backend_class, code = broken
    s = store(backend_class(), state_dir)
    s.load()
    s.save(session())
    assert s.load() == session()
    s.save(session(token=TOKEN_B))
    assert s.where == "memory"
    assert [w.code for w in s.warnings] == [code]
    assert s.warning_code == code
    assert "memory only" in s.warning and "\n" not in s.warning
    assert len(s.take_warnings()) == 1 and s.take_warnings() == ()
    assert not state_dir.exists()
    assert store(backend_class(), state_dir).load() is None, "memory ends with the program"
    s.clear()
    assert s.load() is None


def test_the_fail_backend_says_there_is_no_keyring(state_dir):
    s = store(fail.Keyring(), state_dir)
    s.save(session())
    assert s.warning == "No OS keyring is available; the session is kept in memory only and ends with this program."


def test_remember_keeps_the_session_in_a_0600_file(broken, state_dir):
    backend_class, code = broken
    s = store(backend_class(), state_dir, remember=True)
    s.save(session())
    path = state_dir / "session.json"
    assert s.where == "file" and s.session_file == path
    assert mode(path) == 0o600
    assert mode(state_dir) == 0o700
    assert [w.code for w in s.warnings] == [code]
    assert str(path) in s.warning and "0600" in s.warning
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert data["sessions"][service_name(SERVER)]["citizen_id"] == "C0001"
    assert [p.name for p in state_dir.iterdir()] == ["session.json"], "no temporary file is left behind"

    assert store(backend_class(), state_dir).load() == session()  # the next start, remember or not

    store(backend_class(), state_dir).clear()
    assert not path.exists()
    assert store(backend_class(), state_dir, remember=True).load() is None


def test_the_app_state_dir_is_made_private(state_dir):
    state_dir.mkdir(parents=True, mode=0o755)
    os.chmod(state_dir, 0o755)
    store(fail.Keyring(), state_dir, remember=True).save(session())
    assert mode(state_dir) == 0o700


def test_a_session_read_from_the_file_is_saved_back_there(state_dir):
    store(fail.Keyring(), state_dir, remember=True).save(session())
    s = store(fail.Keyring(), state_dir)  # remember not asked this time
    assert s.load() == session()
    s.save(session(token=TOKEN_B))  # the refresh token rotated: no stale copy may stay in the file
    assert s.where == "file"
    assert store(fail.Keyring(), state_dir).load().refresh_token == TOKEN_B


def test_a_server_with_a_file_entry_keeps_it_up_to_date(state_dir):
    store(fail.Keyring(), state_dir, remember=True).save(session())
    store(fail.Keyring(), state_dir).save(session(token=TOKEN_B))  # saved without loading first
    assert store(fail.Keyring(), state_dir).load().refresh_token == TOKEN_B


def test_servers_and_sandboxes_coexist_in_one_file(state_dir):
    store(fail.Keyring(), state_dir, SERVER, remember=True).save(session())
    store(fail.Keyring(), state_dir, SERVER, "qa-1", remember=True).save(session(sandbox="qa-1", token=TOKEN_B))
    store(fail.Keyring(), state_dir, OTHER, remember=True).save(session(OTHER, citizen="C0003"))
    data = json.loads((state_dir / "session.json").read_text())
    assert sorted(data["sessions"]) == [
        "zheliban:http://127.0.0.1:8930", "zheliban:http://127.0.0.1:8930#qa-1", "zheliban:http://127.0.0.1:8931"]

    store(fail.Keyring(), state_dir, SERVER, "qa-1").clear()
    assert store(fail.Keyring(), state_dir, SERVER, "qa-1").load() is None
    assert store(fail.Keyring(), state_dir, SERVER).load() == session()
    assert store(fail.Keyring(), state_dir, OTHER).load().citizen_id == "C0003"
    assert mode(state_dir / "session.json") == 0o600


def test_parallel_saves_keep_every_entry(tmp_path):
    path = tmp_path / "shared.json"
    sandboxes = [f"qa-{n}" for n in range(12)]

    def save(sandbox: str) -> None:
        for _ in range(5):
            CredentialStore(SERVER, sandbox, session_file=path, env=NO_ENV).save(session(sandbox=sandbox))

    threads = [threading.Thread(target=save, args=(name,)) for name in sandboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(json.loads(path.read_text())["sessions"]) == len(sandboxes)


@pytest.mark.parametrize("file_mode", [0o640, 0o604, 0o660])
def test_a_file_others_may_read_is_refused(file_mode, state_dir):
    store(fail.Keyring(), state_dir, remember=True).save(session())
    path = state_dir / "session.json"
    os.chmod(path, file_mode)

    s = store(fail.Keyring(), state_dir, remember=True)
    assert s.load() is None
    insecure = [w for w in s.warnings if w.code == SESSION_FILE_INSECURE]
    assert len(insecure) == 1 and insecure[0].path == str(path)
    assert "chmod 600" in insecure[0].message and f"{file_mode:04o}" in insecure[0].message
    s.load()
    assert len([w for w in s.warnings if w.code == SESSION_FILE_INSECURE]) == 1, "said once"

    s.save(session(token=TOKEN_B))  # a fresh login rewrites the file privately
    assert mode(path) == 0o600
    assert store(fail.Keyring(), state_dir).load().refresh_token == TOKEN_B


def test_an_unreadable_file_is_ignored_with_a_warning(state_dir):
    state_dir.mkdir(parents=True, mode=0o700)
    path = state_dir / "session.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"{not json")
    os.close(fd)
    s = store(fail.Keyring(), state_dir, remember=True)
    assert s.load() is None
    assert SESSION_FILE_INVALID in [w.code for w in s.warnings]
    s.save(session())
    assert store(fail.Keyring(), state_dir).load() == session()


# --- an explicit session file --------------------------------------------------------------------------


def test_the_environment_variable_points_at_a_session_file(ring, tmp_path, state_dir):
    path = tmp_path / "qa" / "run-1.json"
    env = {SESSION_FILE_ENV: str(path)}
    s = store(ring, state_dir, env=env)
    assert s.where == "file" and s.session_file == path
    s.save(session())
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert ring.entries == {}, "an explicit file is used regardless of the keyring"
    assert not state_dir.exists()
    assert s.warnings == ()
    assert store(MemoryKeyring(), state_dir, env=env).load() == session()

    store(ring, state_dir, env=env).clear()
    assert store(ring, state_dir, env=env).load() is None
    assert not path.exists()


def test_the_session_file_argument_overrides_the_environment(ring, tmp_path, state_dir):
    chosen, ignored = tmp_path / "chosen.json", tmp_path / "ignored.json"
    s = store(ring, state_dir, session_file=chosen, env={SESSION_FILE_ENV: str(ignored)})
    s.save(session())
    assert chosen.exists() and not ignored.exists()


def test_an_explicit_file_that_cannot_be_written_is_an_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    s = CredentialStore(SERVER, session_file=blocker / "session.json", env=NO_ENV)
    with pytest.raises(CredentialStoreError) as caught:
        s.save(session())
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


def test_an_explicit_group_readable_file_is_refused(tmp_path):
    path = tmp_path / "session.json"
    CredentialStore(SERVER, session_file=path, env=NO_ENV).save(session())
    os.chmod(path, 0o644)
    s = CredentialStore(SERVER, session_file=path, env=NO_ENV)
    assert s.load() is None
    assert s.warning_code == SESSION_FILE_INSECURE


# --- the token stays secret ----------------------------------------------------------------------------


def test_the_token_never_shows(state_dir, tmp_path):
    s = session()
    assert TOKEN not in repr(s) and TOKEN not in str(s) and "C0001" in repr(s)

    failing = store(WriteFailingKeyring(), state_dir, remember=True)
    failing.save(s)
    assert TOKEN not in repr(failing) and TOKEN not in str(failing)
    for warning in failing.warnings:
        assert TOKEN not in warning.message and TOKEN not in repr(warning)
    assert TOKEN not in repr(failing.load())

    insecure = tmp_path / "open.json"
    CredentialStore(SERVER, session_file=insecure, env=NO_ENV).save(s)
    os.chmod(insecure, 0o666)
    refused = CredentialStore(SERVER, session_file=insecure, env=NO_ENV)
    refused.load()
    assert refused.warning and TOKEN not in refused.warning


# --- the real Secret Service ---------------------------------------------------------------------------


def run_in_dbus_session(script: str, home: Path, runtime: Path, **extra_env: str) -> list[dict]:
    """Run ``script`` (sh) in a private D-Bus session; return the JSON lines it printed."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "PYTHON_KEYRING_BACKEND",
                          SESSION_FILE_ENV, "GNOME_KEYRING_CONTROL"}}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"), XDG_RUNTIME_DIR=str(runtime),
               ZHELIBAN_TEST_TOKEN=TOKEN, PY=sys.executable, CHILD=str(Path(__file__).with_name("secret_service_child.py")),
               PYTHONPATH=str(ROOT), **extra_env)
    proc = subprocess.Popen(["dbus-run-session", "--", "sh", "-ec", script], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the D-Bus session did not finish:\n{out}\n{err}")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{err}"
    assert TOKEN not in out and TOKEN not in err
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture
def secret_service_home(tmp_path):
    need_program("dbus-run-session", "dbus-daemon")
    need_program("gnome-keyring-daemon", "gnome-keyring")
    need_module("secretstorage", "SecretStorage (a dependency of keyring on Linux)")
    need_module("jeepney", "jeepney (a dependency of SecretStorage)")
    home = tmp_path / "home"
    home.mkdir()
    # A short runtime directory: gnome-keyring puts a Unix socket in it (108-byte path limit).
    with tempfile.TemporaryDirectory(prefix="zhk-") as runtime:
        os.chmod(runtime, 0o700)
        yield home, Path(runtime)


def test_round_trip_through_the_real_secret_service(secret_service_home):
    home, runtime = secret_service_home
    script = (
        "printf pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n"
        '"$PY" "$CHILD" save secretservice http://127.0.0.1:8930 qa-1\n'
        '"$PY" "$CHILD" load default http://127.0.0.1:8930 qa-1\n'
        '"$PY" "$CHILD" load secretservice http://127.0.0.1:8930\n'
        '"$PY" "$CHILD" clear default http://127.0.0.1:8930 qa-1\n'
        '"$PY" "$CHILD" load secretservice http://127.0.0.1:8930 qa-1\n'
    )
    saved, loaded, other_sandbox, cleared, gone = run_in_dbus_session(script, home, runtime)
    assert saved == {"action": "save", "where": "keyring", "warnings": [],
                     "backend": "keyring.backends.SecretService"}
    assert loaded["found"] and loaded["token_matches"] and loaded["citizen_id"] == "C0001"
    assert loaded["label"] == "138****0001" and loaded["where"] == "keyring"
    assert loaded["backend"] == "keyring.backends.SecretService", "keyring picks the Secret Service by itself"
    assert other_sandbox["found"] is False
    assert cleared["where"] == "keyring" and cleared["warnings"] == []
    assert gone["found"] is False and gone["warnings"] == []
    assert not (home / "state" / "zheliban").exists(), "no session file while the keyring works"
    assert (home / "data" / "keyrings").is_dir(), "the secret went to gnome-keyring's store"


def test_an_unusable_secret_service_falls_back_to_the_file(secret_service_home):
    home, runtime = secret_service_home
    # gnome-keyring starts on demand but cannot create a collection: its prompt needs a display.
    script = (
        '"$PY" "$CHILD" save secretservice http://127.0.0.1:8930\n'
        '"$PY" "$CHILD" load secretservice http://127.0.0.1:8930\n'
    )
    saved, loaded = run_in_dbus_session(script, home, runtime, REMEMBER="1")
    assert saved["where"] == "file" and saved["warnings"] == [KEYRING_FAILED]
    assert loaded["found"] and loaded["token_matches"]
    path = home / "state" / "zheliban" / "session.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
