"""`zheliban demo` in a real terminal (tmux): log in with keys only, show the card's QR code, quit.

The real console script runs in a detached tmux session of a fixed size on a private tmux socket,
with a temporary HOME and XDG directories and no way to reach a desktop keyring. The test reads the
screen the way a person would, with `tmux capture-pane -p`: the login screen, the SMS code in the
demo's toast, the home screen, then the card face and its QR code, which is decoded from the text.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
import uuid
from pathlib import Path

import pytest

from tests.qr_reader import decode_screen_text
from tests.requirements import need_program

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
COLUMNS, ROWS = 110, 40
TIMEOUT = 30.0          # each wait; generous, the machine may be busy with other tests
START_TIMEOUT = 60.0    # the first screen: imports, the embedded backend and its seeded database
POLL = 0.2
PHONE = "13705719050"
EXIT_LINE = re.compile(r"zheliban exited with status (\d+)")
SMS_CODE = re.compile(r"【浙里办】您的验证码是[\s▌]*(\d{6})(?!\d)")
NUMERIC_CODE = re.compile(r"数字码\s+(\d[\d ]*\d)")


def display_cells(line: str) -> dict[int, str]:
    """Column -> character of one captured line; East Asian wide and fullwidth characters take two columns."""
    cells: dict[int, str] = {}
    column = 0
    for char in line:
        if unicodedata.combining(char):
            continue
        cells[column] = char
        column += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def misaligned_boxes(text: str) -> list[str]:
    """Every rounded box (╭╮ … ╰╯) whose left or right edge is not in one column on each of its lines."""
    rows = [display_cells(line) for line in text.splitlines()]
    problems: list[str] = []
    lines = text.splitlines()
    for top, cells in enumerate(rows):
        for left, char in sorted(cells.items()):
            if char != "╭":
                continue
            right = next((c for c, ch in sorted(cells.items()) if c > left and ch == "╮"), None)
            if right is None:
                problems.append(f"line {top + 1}: a box opens at column {left} and has no ╮: {lines[top]!r}")
                continue
            for row in range(top + 1, len(rows)):
                if rows[row].get(left) == "╰":
                    if rows[row].get(right) != "╯":
                        problems.append(f"line {row + 1}: the box's bottom right corner is not at column {right}: "
                                        f"{lines[row]!r}")
                    break
                if rows[row].get(left) != "│" or rows[row].get(right) != "│":
                    problems.append(f"line {row + 1}: the box's edges are not at columns {left} and {right}: "
                                    f"{lines[row]!r}")
            else:
                problems.append(f"line {top + 1}: the box opened at column {left} never closes")
    return problems


def descendants(pid: int) -> dict[int, str]:
    """Every live descendant of `pid`: pid -> command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    wanted = {pid}
    while wanted:
        children = {child for child, parent in parents.items() if parent in wanted and child not in found}
        for child in children:
            found[child] = command_line(child)
        wanted = children
    return {child: cmd for child, cmd in found.items() if Path(f"/proc/{child}").exists()}


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class TmuxTerminal:
    """One detached tmux session on a private socket, driven with send-keys and read with capture-pane."""

    def __init__(self, tmux: str, env: dict[str, str], tmp_path: Path) -> None:
        self.tmux = tmux
        self.env = env
        self.tmp_path = tmp_path
        self.socket = f"zheliban-e2e-{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.target = "demo"
        self.last = ""
        self.captures = 0
        self.home = tmp_path / "home"
        self.zheliban_pid: int | None = None
        self.socket_path: Path | None = None

    def run(self, *args: str) -> str:
        done = subprocess.run([self.tmux, "-L", self.socket, *args], env=self.env, capture_output=True, text=True,
                              timeout=TIMEOUT)
        assert done.returncode == 0, f"tmux {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}"
        return done.stdout

    def start(self, command: str) -> None:
        self.run("-f", "/dev/null", "new-session", "-d", "-s", self.target, "-x", str(COLUMNS), "-y", str(ROWS),
                 *(arg for name in ("TERM", "LANG", "LC_ALL", "HOME") for arg in ("-e", f"{name}={self.env[name]}")),
                 command)
        self.socket_path = Path(self.run("display-message", "-p", "#{socket_path}").strip())

    def pane_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", self.target, "#{pane_pid}").strip())

    def capture(self) -> str:
        self.last = self.run("capture-pane", "-p", "-t", self.target)
        self.captures += 1
        return self.last

    def keys(self, *keys: str) -> None:
        """Named keys (Enter, F5, C-q)."""
        self.run("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Literal text, one key per character."""
        self.run("send-keys", "-t", self.target, "-l", text)

    def wait_for(self, what: str, found, timeout: float = TIMEOUT):
        """Poll the screen until `found(text)` returns something true; return it."""
        deadline = time.monotonic() + timeout
        while True:
            result = found(self.capture())
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(self.explain(f"timed out after {timeout:.0f} s waiting for {what}"))
            time.sleep(POLL)

    def wait_text(self, text: str, timeout: float = TIMEOUT) -> str:
        return self.wait_for(repr(text), lambda screen: screen if text in screen else None, timeout)

    def explain(self, message: str) -> str:
        return f"{message}\n--- last capture ({COLUMNS}x{ROWS}) ---\n{self.last.rstrip()}\n--- end of capture ---"

    def kill_server(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], env=self.env, capture_output=True,
                       timeout=TIMEOUT)
        if self.socket_path is not None:  # tmux leaves its socket file behind
            self.socket_path.unlink(missing_ok=True)


def zheliban_command() -> str:
    """The installed `zheliban` console script of the Python running the tests."""
    script = Path(sys.executable).parent / "zheliban"
    if not script.exists():
        found = shutil.which("zheliban")
        if found is None:
            pytest.fail("the `zheliban` console script is not installed (pip install -e .)", pytrace=False)
        script = Path(found)
    return str(script)


@pytest.fixture
def terminal(tmp_path):
    tmux = need_program("tmux", "tmux")
    home = tmp_path / "home"
    dirs = {name: home / sub for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                                               ("XDG_STATE_HOME", ".local/state"), ("XDG_CACHE_HOME", ".cache"),
                                               ("XDG_RUNTIME_DIR", "run"))}
    for path in dirs.values():
        path.mkdir(parents=True, mode=0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        **{name: str(path) for name, path in dirs.items()},
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "SHELL": "/bin/sh",
        # No desktop keyring can be reached, whatever the demo did: no session bus, the `fail` backend.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "TMUX_TMPDIR" in os.environ:
        env["TMUX_TMPDIR"] = os.environ["TMUX_TMPDIR"]
    term = TmuxTerminal(tmux, env, tmp_path)
    try:
        yield term
    finally:
        term.kill_server()
        pid = term.zheliban_pid
        if pid is not None and alive(pid) and "zheliban" in command_line(pid):  # only the one this test started
            os.kill(pid, signal.SIGKILL)


def test_demo_logs_in_with_keys_and_shows_a_readable_card_qr(terminal: TmuxTerminal, tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    began = time.monotonic()
    # The session's command outlives the app (`; sleep`), so a crash leaves its traceback on the pane.
    command = (f"cd {shlex.quote(str(ROOT))} && {shlex.quote(zheliban_command())} demo; "
               f'echo "zheliban exited with status $?"; sleep 3600')
    terminal.start(command)
    pane_pid = terminal.pane_pid()

    # ---- login screen: the demo-account picker, the SMS tab, focus in the phone field ------------------
    terminal.wait_text("登录浙里办", timeout=START_TIMEOUT)
    running = {pid: cmd for pid, cmd in descendants(pane_pid).items() if "zheliban" in cmd and " demo" in cmd}
    assert running, terminal.explain(f"no `zheliban demo` process under the pane's shell {pane_pid}")
    terminal.zheliban_pid = min(running)
    # The very first frame can be caught half drawn (no borders, no tab labels yet): wait for the whole
    # screen, the panel, the demo-account picker (a Select) and the SMS tab with its phone field.
    login_parts = ("╭", "登录浙里办", "选择一个演示账号", "▼", "短信验证码登录", "密码登录", "手机号码", "验证码")
    terminal.wait_for("the whole login screen: " + ", ".join(login_parts),
                      lambda text: all(part in text for part in login_parts))
    timings["login screen"] = time.monotonic() - began

    terminal.type(PHONE)  # lands in #sms-phone only if it has the focus from the start
    terminal.wait_for("the phone number in the phone field",
                      lambda text: re.search(rf"▊\s+{PHONE}\s+▎", text) and "号码格式正确" in text)

    # ---- get the code: the demo shows the SMS in a toast, and the focus moves to the code field --------
    terminal.keys("F5")
    code = terminal.wait_for("the SMS toast with the code", lambda text: (m := SMS_CODE.search(text)) and m.group(1))
    timings["sms code"] = time.monotonic() - began
    terminal.type(code)
    terminal.wait_for("the code in the code field", lambda text: re.search(rf"▊\s+{code}\s+▎", text))
    terminal.keys("Enter")

    # ---- home, then the electronic social-security card --------------------------------------------
    terminal.wait_text("您好")
    timings["home"] = time.monotonic() - began
    terminal.type("1")

    previous = [""]

    def card_with_qr(text: str):
        # Two equal captures in a row: a frame caught half written is not judged.
        steady, previous[0] = text == previous[0], text
        if not steady or "社会保障卡" not in text or not NUMERIC_CODE.search(text):
            return None
        payload = decode_screen_text(text)
        return (text, payload) if payload else None

    card_screen, payload = terminal.wait_for("a steady card face with a readable QR code and its numeric code",
                                             card_with_qr)
    timings["card with QR"] = time.monotonic() - began
    (tmp_path / "card_screen.txt").write_text(card_screen, encoding="utf-8")

    assert payload.startswith("ZLB1."), terminal.explain(f"the QR code holds {payload!r}, not a ZLB1. payload")
    digits = NUMERIC_CODE.search(card_screen).group(1).replace(" ", "")
    assert len(digits) == 18 and digits.isdigit(), terminal.explain(f"the numeric code {digits!r} is not 18 digits")
    assert "中华人民共和国社会保障卡" in card_screen, terminal.explain("the card face title is missing")
    problems = misaligned_boxes(card_screen)
    assert not problems, terminal.explain("boxes do not line up:\n" + "\n".join(problems))
    face_top = next(i for i, line in enumerate(card_screen.splitlines()) if "中华人民共和国社会保障卡" in line) - 1
    assert "╭" in card_screen.splitlines()[face_top], terminal.explain("the card face is not drawn in a box")

    # ---- quit: the app ends with status 0 and leaves no process behind ------------------------------
    terminal.keys("C-q")
    exit_line = terminal.wait_for("the shell to report the app's exit", lambda text: EXIT_LINE.search(text))
    timings["quit"] = time.monotonic() - began
    assert exit_line.group(1) == "0", terminal.explain(f"zheliban exited with status {exit_line.group(1)}")
    printed = terminal.last[:exit_line.start()].strip()
    assert not printed, terminal.explain("the app left output on the terminal after it closed")
    deadline = time.monotonic() + TIMEOUT
    while alive(terminal.zheliban_pid) and time.monotonic() < deadline:
        time.sleep(POLL)
    assert not alive(terminal.zheliban_pid), f"zheliban (pid {terminal.zheliban_pid}) is still running after Ctrl+Q"
    terminal.zheliban_pid = None
    left = {pid: cmd for pid, cmd in descendants(pane_pid).items() if "zheliban" in cmd}
    assert not left, f"processes left under the pane after Ctrl+Q: {left}"

    # The demo keeps its session in memory: nothing was written for the next visitor.
    kept = [str(p.relative_to(terminal.home)) for p in terminal.home.rglob("*")
            if p.is_file() and "zheliban" in str(p.relative_to(terminal.home)).lower()]
    assert not kept, f"the demo left files in HOME: {kept}"

    print("timings (s from start): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
