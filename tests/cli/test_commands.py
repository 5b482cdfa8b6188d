"""The script commands against a real backend process: every command, its JSON, its exit codes.

Each test has its own sandbox and its own session file, so the tests run in parallel safely.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ADMIN_KEY, ROOT

pytestmark = pytest.mark.e2e

PHONE = "13705719050"
PASSWORD = "Zlb@2025"
CARD_PIN = "369147"
PAY_PIN = "258369"


class Cli:
    """Runs `python -m zheliban_tui ...` with a private HOME, session file and sandbox."""

    def __init__(self, server: str, sandbox: str, home) -> None:
        self.server = server
        self.sandbox = sandbox
        self.env = {**os.environ, "HOME": str(home), "XDG_STATE_HOME": str(home / "state"),
                    "XDG_DATA_HOME": str(home / "data"), "ZHELIBAN_SERVER": server,
                    "ZHELIBAN_ADMIN_KEY": ADMIN_KEY, "ZHELIBAN_SESSION_FILE": str(home / "session.json"),
                    "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        for name in ("ZHELIBAN_PIN", "ZHELIBAN_PASSWORD"):
            self.env.pop(name, None)

    def run(self, *args: str, stdin: str | None = None, env: dict | None = None, sandbox: bool = True):
        cmd = [sys.executable, "-m", "zheliban_tui", *args]
        if sandbox:
            cmd += ["--sandbox", self.sandbox]
        return subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT,
                              env={**self.env, **(env or {})}, timeout=60)

    def json(self, *args: str, stdin: str | None = None):
        done = self.run(*args, "--json", stdin=stdin)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def login(self) -> None:
        done = self.run("login", "--phone", PHONE, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr


@pytest.fixture
def cli(live_server, tmp_path):
    sandbox = f"cli-{uuid.uuid4().hex[:10]}"
    tool = Cli(live_server.url, sandbox, tmp_path)
    created = tool.run("admin", "sandbox", "create", "--seed", "2025")
    assert created.returncode == 0, created.stderr
    yield tool
    tool.run("admin", "sandbox", "delete")


def test_sms_login_with_the_code_from_the_outbox(cli):
    sent = cli.json("sms-code", "--phone", PHONE)
    assert sent["phone"] == "137****9050" and sent["expires_in"] == 300
    outbox = cli.json("admin", "outbox", "--phone", PHONE)
    code = re.search(r"\d{6}", outbox[0]["text"]).group()
    done = cli.run("login", "--phone", PHONE, "--code", code, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["citizen_id"] == "C0001"
    assert cli.json("me")["name"] == "*伟"


def test_without_a_keyring_the_session_goes_to_a_0600_file_with_one_line_on_stderr(cli, tmp_path):
    done = cli.run("login", "--phone", PHONE, "--password-stdin", stdin=PASSWORD + "\n",
                   env={"ZHELIBAN_SESSION_FILE": ""})
    assert done.returncode == 0, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "0600" in done.stderr
    kept = tmp_path / "state" / "zheliban" / "session.json"
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    done = cli.run("me", env={"ZHELIBAN_SESSION_FILE": ""})
    assert done.returncode == 0 and done.stderr == ""


def test_a_wrong_code_is_refused_with_exit_1_and_the_code_on_stderr(cli):
    cli.json("sms-code", "--phone", PHONE)
    done = cli.run("login", "--phone", PHONE, "--code", "000000")
    if done.returncode == 0:  # the one-in-a-million right guess
        pytest.skip("000000 was the code")
    assert done.returncode == 1
    assert done.stderr.startswith("OTP_INVALID")
    assert done.stdout == ""


def test_password_comes_from_stdin_or_the_environment_never_an_argument(cli):
    done = cli.run("login", "--phone", PHONE, "--password-stdin", stdin="wrong\n")
    assert done.returncode == 1 and "INVALID_CREDENTIALS" in done.stderr
    done = cli.run("login", "--phone", PHONE, env={"ZHELIBAN_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    done = cli.run("login", "--phone", PHONE, "--password", PASSWORD)
    assert done.returncode == 2  # there is no such option: a password never goes on the command line


def test_commands_need_a_session(cli):
    done = cli.run("me")
    assert done.returncode == 1 and "AUTH_REQUIRED" in done.stderr


def test_session_is_kept_between_commands_and_logout_forgets_it(cli, tmp_path):
    cli.login()
    session_file = tmp_path / "session.json"
    assert oct(session_file.stat().st_mode & 0o777) == "0o600"
    assert PASSWORD not in session_file.read_text()
    assert cli.json("me")["id"] == "C0001"
    assert cli.json("me")["id"] == "C0001"  # the rotated refresh token was kept
    assert cli.run("logout").returncode == 0
    assert cli.run("me").returncode == 1


def test_card_list_reveal_qr_and_verify(cli):
    cli.login()
    cards = cli.json("card")
    assert cards[0]["holder_name"] == "*伟" and len(cards) == 4
    full = cli.json("card", "--reveal", "--pin-stdin", stdin=CARD_PIN + "\n")
    assert full["holder_name"] == "张伟"
    wrong = cli.run("card", "--reveal", "--pin-stdin", stdin="000000\n")
    assert wrong.returncode == 1 and "PIN_INVALID" in wrong.stderr
    qr = cli.json("card", "qr")
    assert qr["payload"].startswith("ZLB1.") and len(qr["numeric_code"]) == 18
    verified = cli.json("card", "verify", qr["numeric_code"])
    assert verified["holder"]["name"] == "*伟"
    again = cli.run("card", "verify", qr["payload"])
    assert again.returncode == 1 and "QR_USED" in again.stderr
    assert cli.run("card", "verify", "not-a-code").returncode == 1


def test_bills_pay_with_a_kept_key_receipt_and_history(cli):
    cli.login()
    bills = cli.json("bills")["items"]
    bill = next(b for b in bills if b["kind"] == "water")
    key = f"cli-{uuid.uuid4().hex}"
    first = cli.json("pay", bill["id"], "--pin-stdin", "--idempotency-key", key, stdin=PAY_PIN + "\n")
    again = cli.json("pay", bill["id"], "--pin-stdin", "--idempotency-key", key, stdin=PAY_PIN + "\n")
    assert first["id"] == again["id"] and first["status"] == "succeeded"
    history = cli.json("payments")
    assert [p["id"] for p in history if p["bill_id"] == bill["id"]] == [first["id"]]
    receipt = cli.json("receipt", first["id"])
    assert receipt["amount_fen"] == first["amount_fen"] and receipt["amount_in_words"]
    paid = cli.run("pay", bill["id"], "--pin-stdin", stdin=PAY_PIN + "\n")
    assert paid.returncode == 1 and "BILL_ALREADY_PAID" in paid.stderr


def test_bills_lookup_by_account_and_by_pay_code(cli):
    cli.login()
    bills = cli.json("bills")["items"]
    coded = next(b for b in bills if b["pay_code"] and not b["expired"])
    found = cli.json("bills", "lookup", "--pay-code", coded["pay_code"])
    assert [b["id"] for b in found["bills"]] == [coded["id"]]
    utility = next(b for b in bills if b["account_number"])
    found = cli.json("bills", "lookup", "--account", utility["account_number"], "--provider", utility["provider"]["id"])
    assert utility["id"] in [b["id"] for b in found["bills"]]
    assert cli.run("bills", "lookup").returncode == 2
    assert cli.run("bills", "lookup", "--account", "12ab").returncode == 1


@pytest.mark.parametrize("amount", ["abc", "-5", "1.234", "0", "nan"])
def test_a_wrong_amount_is_a_usage_error(cli, amount):
    cli.login()
    done = cli.run("pay", "BL00001", "--pin-stdin", "--amount", amount, stdin=PAY_PIN + "\n")
    assert done.returncode == 2 and "--amount" in done.stderr


def test_hospitals_departments_schedule_book_and_cancel(cli):
    cli.login()
    hospitals = cli.json("hospitals")
    assert len(hospitals) >= 6
    departments = cli.json("departments", hospitals[0]["id"])
    schedule = cli.json("schedule", departments[0]["id"], "--date", "2026-06-17")
    window = next(w for d in schedule["doctors"] for s in d["sessions"] for w in s["windows"] if w["remaining"])
    booked = cli.json("book", window["id"])
    assert booked["status"] == "booked"
    assert any(a["id"] == booked["id"] for a in cli.json("appointments"))
    cancelled = cli.json("cancel", booked["id"])
    assert cancelled["status"] == "cancelled"
    assert cli.run("book", "no-such-window").returncode == 1


def test_admin_clock_and_reset(cli):
    clock = cli.json("admin", "clock", "set", "2026-06-20T06:59:59+08:00", "--frozen")
    assert clock["now"].startswith("2026-06-20T06:59:59") and clock["frozen"]
    moved = cli.json("admin", "clock", "advance", "1")
    assert moved["now"].startswith("2026-06-20T07:00:00")
    assert cli.run("admin", "clock", "advance", "soon").returncode == 2
    reset = cli.json("admin", "sandbox", "reset")
    assert reset["id"] == cli.sandbox


def test_admin_snapshot_and_restore(cli):
    cli.login()
    taken = cli.json("admin", "sandbox", "snapshot", "clean")
    assert taken["name"] == "clean"
    bill = next(b for b in cli.json("bills")["items"] if b["kind"] == "water")
    cli.json("pay", bill["id"], "--pin-stdin", stdin=PAY_PIN + "\n")
    assert cli.run("admin", "sandbox", "restore", "missing").returncode == 1
    cli.json("admin", "sandbox", "restore", "clean")
    cli.login()  # the session was made after the snapshot: it is gone with it
    assert [p for p in cli.json("payments")] == []


def test_admin_faults_set_show_and_clear(cli):
    assert cli.run("admin", "faults").stdout.strip() == "no faults"
    shown = cli.json("admin", "faults", "set", "seed=4; status=503,route=/api/v1/hospitals,times=1")
    assert (shown["source"], shown["spec"]) == ("sandbox", "seed=4;status=503,route=/api/v1/hospitals,times=1")
    done = cli.run("hospitals")
    assert done.returncode == 1 and "FAULT_INJECTED" in done.stderr  # the one time it fires
    assert cli.run("hospitals").returncode == 0
    human = cli.run("admin", "faults")
    assert "status=503" in human.stdout and "fired" in human.stdout and "1" in human.stdout
    assert cli.json("admin", "faults", "clear") == {"cleared": cli.sandbox}
    assert cli.json("admin", "faults")["source"] == "none"


def test_admin_faults_with_a_wrong_spec_or_no_spec(cli):
    done = cli.run("admin", "faults", "set", "status=200")
    assert done.returncode == 1 and "FAULT_SPEC_INVALID" in done.stderr and "400-599" in done.stderr
    assert cli.json("admin", "faults")["source"] == "none"  # nothing was set
    assert cli.run("admin", "faults", "set").returncode == 2
    assert cli.run("admin", "faults", "explode").returncode == 2


def test_admin_journal_lists_redacted_requests_and_filters_them(cli):
    cli.login()
    cli.json("hospitals")
    cli.run("receipt", "P0000000")  # refused: 404
    entries = cli.json("admin", "journal")["entries"]
    login = next(e for e in entries if e["path"] == "/api/v1/auth/login/password")
    assert login["request"] == {"account": PHONE, "password": "***"} and login["status"] == 201
    assert PASSWORD not in json.dumps(entries)
    only = cli.json("admin", "journal", "--route", "/api/v1/hospitals")["entries"]
    assert [e["path"] for e in only] == ["/api/v1/hospitals"]
    refused = cli.json("admin", "journal", "--status", "4xx")["entries"]
    assert refused and all(400 <= e["status"] < 500 for e in refused)
    human = cli.run("admin", "journal", "--route", "/api/v1/hospitals")
    assert human.returncode == 0 and "/api/v1/hospitals" in human.stdout and "200" in human.stdout
    assert cli.run("admin", "journal", "--status", "2x").returncode == 1  # refused by the backend
    assert cli.run("admin", "journal", "--method", "FETCH").returncode == 2
    assert cli.run("admin", "journal", "--limit", "many").returncode == 2
    assert cli.json("admin", "journal", "--clear") == {"cleared": cli.sandbox}
    assert cli.json("admin", "journal")["entries"] == []


def test_admin_without_a_key_is_a_usage_error_and_a_wrong_key_is_refused(cli):
    done = cli.run("admin", "outbox", env={"ZHELIBAN_ADMIN_KEY": ""})
    assert done.returncode == 2 and "admin key" in done.stderr
    done = cli.run("admin", "outbox", "--admin-key", "wrong")
    assert done.returncode == 1 and "ADMIN_KEY_REQUIRED" in done.stderr


def test_a_server_that_is_down_is_exit_3(cli):
    done = cli.run("hospitals", "--server", "http://127.0.0.1:9")
    assert done.returncode == 3 and "NETWORK_UNREACHABLE" in done.stderr


def test_usage_errors_are_exit_2(cli):
    assert cli.run("pay").returncode == 2
    assert cli.run("bills", "--status", "owed").returncode == 2
    assert cli.run("frobnicate", sandbox=False).returncode == 2
    assert cli.run("me", "--server", "ftp://x", sandbox=False).returncode == 2


def test_json_errors_are_one_json_line_on_stderr(cli):
    done = cli.run("me", "--json")
    assert done.returncode == 1 and done.stdout == ""
    assert json.loads(done.stderr.strip().splitlines()[-1])["error"]["code"] == "AUTH_REQUIRED"
