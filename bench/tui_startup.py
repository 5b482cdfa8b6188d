"""TUI start-up benchmark: time to the first painted login screen against a bare Textual app, and the
resident memory of the TUI on the card screen. Prints a table.

    .venv/bin/python bench/tui_startup.py              # 15 runs of each program, then the memory check
    .venv/bin/python bench/tui_startup.py --runs 30    # more runs
    .venv/bin/python bench/tui_startup.py --no-memory  # the start-up table only
    .venv/bin/python bench/tui_startup.py --cache-bytecode   # let the programs cache their .pyc files

Targets: the TUI's median time to first paint at most 1.5 times the bare app's; its resident memory on
the card screen, with the QR code painted, under 100 MB.

How it measures
- Each program runs in a pseudo-terminal of a fixed size (`os.forkpty`, `TIOCSWINSZ`, TERM=xterm-256color).
  The clock starts in the child just before `execve` (CLOCK_MONOTONIC is one clock for every process;
  the child sends its reading through a pipe) and stops when a marker text of the screen appears in
  what the program wrote to the terminal: all output so far, decoded, with escape sequences removed
  (Textual may split a line into several styled chunks). Then the program is killed.
- The bare app is a `textual.app.App` with one `Label("ready")`, written to a temporary file.
- The TUI is `python -m zheliban_tui --server URL` against a real `zheliban-mock` started here, with
  HOME and XDG_* pointed at an empty temporary directory and ZHELIBAN_SESSION_FILE naming a file that
  does not exist, so no session is kept (the keyring is not consulted) and the login screen is painted.
- One warm-up run of each program (not counted), then the two alternate run by run (ABAB...) so machine
  noise falls on both. Median, p10 and p90 of each; the ratio of the medians.
- Memory: a session is opened over HTTP (password login) and handed to the TUI in a 0600 session file;
  the TUI resumes it (home screen), the benchmark presses "1" (the card screen) and waits for the
  numeric code (数字码) under the QR code, then reads VmRSS from /proc/PID/status.
- The environment is passed through as it is (PYTHONDONTWRITEBYTECODE included: this benchmark does not
  set it); whether compiled bytecode is cached for the packages the programs import is reported, since
  a start that compiles sources is slower than an installed package's. `--cache-bytecode` removes
  PYTHONDONTWRITEBYTECODE from the programs' environment, so the warm-up run writes the .pyc files.
- Besides wall-clock time, the CPU time each program had used when the marker appeared is shown
  (/proc/PID/task/*/schedstat): on a busy machine it moves far less than the wall clock.
"""
from __future__ import annotations

import argparse
import codecs
import fcntl
import importlib.util
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

ROWS, COLUMNS = 36, 120
RATIO_TARGET = 1.5
MEMORY_TARGET_MB = 100.0
LOGIN_MARKER = "登录浙里办"      # the login panel's title (i18n key login.title)
HOME_MARKER = "我的服务"        # the home screen's section title (home.services)
CARD_MARKER = "数字码"          # the label of the numeric code under the QR code (card.numeric_code)
BARE_MARKER = "ready"
DEMO_PHONE = "13705719050"      # the first seeded persona (mock_server/seed_data.py)
DEMO_PASSWORD = "Zlb@2025"

BARE_APP = '''\
from textual.app import App
from textual.widgets import Label


class Bare(App):
    def compose(self):
        yield Label("ready")


if __name__ == "__main__":
    Bare().run()
'''

# Complete escape sequences: CSI, OSC (ended by BEL or ST), DCS/SOS/PM/APC strings, two-byte escapes.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\"
                     r"|\x1b[ -/]*[0-OQ-WYZ\\`-~]")


class Timeout(Exception):
    pass


# ---- running a program in a pseudo-terminal ------------------------------------------------------------

def _now_ns() -> int:
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


class PtyProgram:
    """One program in a pseudo-terminal of a fixed size; the screen text is what it wrote, unescaped."""

    def __init__(self, argv: list[str], env: dict[str, str], *, cwd: Path = ROOT,
                 rows: int = ROWS, columns: int = COLUMNS) -> None:
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        pid, fd = os.forkpty()
        if pid == 0:  # the child: set the window size, note the time, become the program
            try:
                os.close(read_end)
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
                os.chdir(cwd)
                os.write(write_end, struct.pack("q", _now_ns()))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        os.close(write_end)
        self.pid, self.fd = pid, fd
        started = b""
        while len(started) < 8:
            chunk = os.read(read_end, 8 - len(started))
            if not chunk:
                break
            started += chunk
        os.close(read_end)
        if len(started) != 8:
            self.close()
            raise RuntimeError(f"could not start {argv}")
        self.started_ns = struct.unpack("q", started)[0]
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""      # output that may end inside an escape sequence
        self.screen = ""        # all output so far without escape sequences
        self._searched = 0      # where the next marker search starts in ``screen``

    def _feed(self, text: str) -> None:
        pending = self._pending + text
        cut = pending.rfind("\x1b")
        if cut != -1 and not ESCAPES.match(pending, cut):  # an escape sequence still on its way
            pending, self._pending = pending[:cut], pending[cut:]
        else:
            self._pending = ""
        self.screen += ESCAPES.sub("", pending)

    def wait_for(self, marker: str, timeout: float) -> int:
        """Read output until ``marker`` shows; the CLOCK_MONOTONIC reading (ns) when it was seen."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.screen.find(marker, self._searched)
            if found != -1:
                seen = _now_ns()
                self._searched = found + len(marker)
                return seen
            self._searched = max(self._searched, len(self.screen) - len(marker) + 1)
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"{marker!r} did not appear within {timeout:.0f} s; the screen so far:\n"
                              + self.screen[-2000:])
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the program ended
                chunk = b""
            if not chunk:
                raise Timeout(f"the program ended before {marker!r} appeared:\n" + self.screen[-2000:])
            self._feed(self._decoder.decode(chunk))

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def cpu_seconds(self) -> float:
        """CPU time the program has used so far (all its threads; /proc/PID/task/*/schedstat)."""
        total = 0
        for task in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{task}/schedstat") as schedstat:
                    total += int(schedstat.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass  # the thread ended meanwhile
        return total / 1e9

    def rss_kb(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the program in kB."""
        fields = {}
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    fields[name] = int(value.split()[0])
        return fields["VmRSS"], fields["VmHWM"]

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def time_to_marker(argv: list[str], env: dict[str, str], marker: str, timeout: float) -> tuple[float, float]:
    """Seconds from exec to the first appearance of ``marker`` on the program's terminal, and the CPU
    seconds the program had used by then."""
    program = PtyProgram(argv, env)
    try:
        seen = program.wait_for(marker, timeout)
        return (seen - program.started_ns) / 1e9, program.cpu_seconds()
    finally:
        program.close()


# ---- the backend --------------------------------------------------------------------------------------

class MockBackend:
    """`zheliban-mock` on a free loopback port with its own database file."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> Self:
        cmd = [str(VENV_PYTHON), "-m", "mock_server", "--port", "0", "--db", str(self.db),
               "--admin-key", "bench-admin"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not self.url:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if found:
                self.url = found.group(1)
        if not self.url:
            self.__exit__()
            raise RuntimeError("zheliban-mock did not start:\n" + "".join(lines))
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("zheliban-mock did not answer /healthz")

    def __exit__(self, *exc_info: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def login(self) -> dict:
        body = json.dumps({"account": DEMO_PHONE, "password": DEMO_PASSWORD}).encode()
        request = urllib.request.Request(self.url + "/api/v1/auth/login/password", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)


# ---- environment and bytecode ---------------------------------------------------------------------------

def program_env(home: Path, session_file: Path, *, cache_bytecode: bool = False) -> dict[str, str]:
    """This environment for the programs, without TEXTUAL_* settings, and pointing at an empty home."""
    dropped = {"COLUMNS", "LINES", "PYTHONPROFILEIMPORTTIME"} | ({"PYTHONDONTWRITEBYTECODE"} if cache_bytecode else set())
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL") and k not in dropped}
    env.update({
        "TERM": "xterm-256color",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "ZHELIBAN_SESSION_FILE": str(session_file),
    })
    return env


def bytecode_state(package: str) -> tuple[int, int]:
    """(sources with an up-to-date cached .pyc, all sources) of an importable package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return 0, 0
    fresh = total = 0
    for folder in spec.submodule_search_locations:
        for source in Path(folder).rglob("*.py"):
            total += 1
            try:
                cached = Path(importlib.util.cache_from_source(str(source)))
                header = cached.read_bytes()[:16]
                info = source.stat()
            except (OSError, NotImplementedError):
                continue
            flags, mtime, size = struct.unpack("<III", header[4:16]) if len(header) == 16 else (1, 0, 0)
            if header[:4] == importlib.util.MAGIC_NUMBER and flags == 0 and mtime == int(info.st_mtime) & 0xFFFFFFFF \
                    and size == info.st_size & 0xFFFFFFFF:
                fresh += 1
    return fresh, total


def bytecode_counts(env: dict[str, str]) -> dict[str, tuple[int, int]]:
    """``bytecode_state`` of the packages the programs import, as the programs' interpreter sees them."""
    probe = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
             "from tui_startup import bytecode_state as b; "
             "print(*(f'{p} {b(p)[0]} {b(p)[1]}' for p in ('zheliban_tui', 'textual', 'rich', 'httpx')), sep=';')")
    out = subprocess.run([str(VENV_PYTHON), "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=False).stdout
    counts = {}
    for item in out.strip().split(";"):
        if item:
            name, fresh, total = item.split()
            counts[name] = (int(fresh), int(total))
    return counts


# ---- the two measurements --------------------------------------------------------------------------------

def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Stats:
    name: str
    seconds: list[float]       # wall clock, exec to the marker
    cpu_seconds: list[float]   # CPU time the program had used by then

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f}"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure_startup(backend: MockBackend, work: Path, runs: int, timeout: float, *,
                    cache_bytecode: bool) -> tuple[Stats, Stats]:
    bare_file = work / "bare_app.py"
    bare_file.write_text(BARE_APP)
    python = str(VENV_PYTHON)
    programs = {
        "bare": ([python, str(bare_file)], BARE_MARKER),
        "tui": ([python, "-m", "zheliban_tui", "--server", backend.url], LOGIN_MARKER),
    }
    session_file = work / "no-session" / "session.json"   # never written: no session is kept
    env = program_env(work / "home", session_file, cache_bytecode=cache_bytecode)
    (work / "home").mkdir(exist_ok=True)
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "tui": []}
    for name, (argv, marker) in programs.items():
        time_to_marker(argv, env, marker, timeout)    # warm-up, not counted
    for _ in range(runs):
        for name, (argv, marker) in programs.items():
            results[name].append(time_to_marker(argv, env, marker, timeout))
    if session_file.exists():
        raise RuntimeError(f"the TUI kept a session in {session_file}: the runs did not start logged out")
    return tuple(Stats(title, [wall for wall, _ in results[name]], [cpu for _, cpu in results[name]])
                 for name, title in (("bare", "bare Textual app (one Label)"), ("tui", "zheliban TUI, login screen")))


def measure_memory(backend: MockBackend, work: Path, timeout: float, *, cache_bytecode: bool) -> dict[str, float]:
    pair = backend.login()
    folder = work / "kept"
    folder.mkdir(mode=0o700, exist_ok=True)
    session_file = folder / "session.json"
    server = backend.url.rstrip("/").lower()
    entry = {"server": server, "sandbox": None, "citizen_id": pair["citizen_id"],
             "refresh_token": pair["refresh_token"], "label": None}
    fd = os.open(session_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"version": 1, "sessions": {f"zheliban:{server}": entry}}, handle)
    env = program_env(work / "home", session_file, cache_bytecode=cache_bytecode)
    program = PtyProgram([str(VENV_PYTHON), "-m", "zheliban_tui", "--server", backend.url], env)
    try:
        home = program.wait_for(HOME_MARKER, timeout)
        time.sleep(0.2)
        program.send("1")
        pressed = _now_ns()
        card = program.wait_for(CARD_MARKER, timeout)
        time.sleep(0.5)   # let the rest of the card screen (insurance panel) settle
        rss, hwm = program.rss_kb()
        return {"home_s": (home - program.started_ns) / 1e9, "card_s": (card - pressed) / 1e9,
                "rss_mb": rss / 1024, "hwm_mb": hwm / 1024}
    finally:
        program.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--runs", type=int, default=15, help="counted runs of each program (at least 10; default 15)")
    parser.add_argument("--no-memory", action="store_true", help="skip the card-screen memory check")
    parser.add_argument("--memory-runs", type=int, default=3, help="card-screen memory samples (default 3)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a screen (default 30)")
    parser.add_argument("--cache-bytecode", action="store_true",
                        help="run the programs without PYTHONDONTWRITEBYTECODE, so the warm-up run caches the "
                             ".pyc files an installed package has (default: the environment as it is)")
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error("--runs must be at least 10")
    if not VENV_PYTHON.exists():
        parser.error(f"{VENV_PYTHON} does not exist: create the virtual environment first (make test)")

    print(f"TUI start-up benchmark: {args.runs} runs of each program, alternating; terminal {COLUMNS}x{ROWS}, "
          f"TERM=xterm-256color; {os.cpu_count()} CPUs")
    print(f"before: {load()}")
    failed = False
    with tempfile.TemporaryDirectory(prefix="zheliban-bench-") as tmp:
        work = Path(tmp)
        with MockBackend(work / "mock.sqlite") as backend:
            bare, tui = measure_startup(backend, work, args.runs, args.timeout, cache_bytecode=args.cache_bytecode)
            env = program_env(work / "home", work / "no-session" / "session.json", cache_bytecode=args.cache_bytecode)
            writes = not env.get("PYTHONDONTWRITEBYTECODE")
            print(f"bytecode cache: {'written and read' if writes else 'read only (PYTHONDONTWRITEBYTECODE is set)'}")
            counts = bytecode_counts(env)
            for name, (fresh, total) in counts.items():
                print(f"  {name:<13} {fresh:>4}/{total:<4} sources have an up-to-date .pyc")
            fresh, total = counts.get("zheliban_tui", (0, 0))
            if not writes and fresh < total:
                print("  (a module without one is compiled at every start that imports it; an installed package has "
                      "them all: see --cache-bytecode)")
            print()
            print(f"{'time to first paint (ms)':<32}{'median':>8}{'p10':>8}{'p90':>8}{'min':>8}{'max':>8}"
                  f"{'CPU ms':>9}")
            for stats in (bare, tui):
                print(f"{stats.name:<32}{ms(stats.median)}{ms(quantile(stats.seconds, 0.1))}"
                      f"{ms(quantile(stats.seconds, 0.9))}{ms(min(stats.seconds))}{ms(max(stats.seconds))}"
                      f" {ms(stats.cpu_median)}")
            ratio = tui.median / bare.median
            verdict = "PASS" if ratio <= RATIO_TARGET else "MISS"
            failed |= verdict == "MISS"
            print(f"{'ratio of medians (TUI / bare)':<32}{ratio:8.2f}   target <= {RATIO_TARGET:.1f}x   {verdict}")
            pairs = statistics.median(t / b for t, b in zip(tui.seconds, bare.seconds))
            print(f"  for reading through load: median ratio of run pairs {pairs:.2f}; ratio of best runs "
                  f"{min(tui.seconds) / min(bare.seconds):.2f}; ratio of median CPU time {tui.cpu_median / bare.cpu_median:.2f}")
            print(f"after start-up runs: {load()}")

            if not args.no_memory:
                samples = [measure_memory(backend, work, args.timeout, cache_bytecode=args.cache_bytecode)
                           for _ in range(args.memory_runs)]
                worst = max(s["rss_mb"] for s in samples)
                verdict = "PASS" if worst < MEMORY_TARGET_MB else "MISS"
                failed |= verdict == "MISS"
                print()
                print(f"{'card screen, QR painted':<32}{'VmRSS MB':>10}{'VmHWM MB':>10}{'home s':>9}{'card s':>9}")
                for number, s in enumerate(samples, 1):
                    print(f"{'  sample ' + str(number):<32}{s['rss_mb']:10.1f}{s['hwm_mb']:10.1f}"
                          f"{s['home_s']:9.2f}{s['card_s']:9.2f}")
                print(f"{'resident memory (largest sample)':<32}{worst:10.1f}   target < {MEMORY_TARGET_MB:.0f} MB   "
                      f"{verdict}")
                print("  (home s: exec to the home screen, resuming a kept session; card s: key 1 to the numeric code)")
    print(f"after: {load()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
