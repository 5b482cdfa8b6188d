"""The ``zheliban`` pytest plugin (``mock_server/pytest_plugin.py``, entry point ``pytest11``).

A QA-style test file runs through ``pytester`` in a separate pytest process under pytest-xdist, each
worker starting its own backend; a second file runs against this suite's backend (``--zheliban-server``)
so that its sandboxes can be checked gone afterwards. The last tests use the fixtures directly here.
"""
from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta

import pytest

from zheliban_tui.api import ApiError, new_idempotency_key

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.e2e  # real backend processes on loopback

PHONE = "13705719050"  # 张伟
START = datetime.fromisoformat("2026-06-15T09:00:00+08:00")

QA_SUITE = '''
"""What a QA engineer writes: no conftest, only the plugin's fixtures."""
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from zheliban_tui.api import ApiError, new_idempotency_key

PHONE = "13705719050"
START = datetime.fromisoformat("2026-06-15T09:00:00+08:00")


def record(sandbox, server):
    with open(Path(__file__).with_name("sandboxes.txt"), "a") as out:
        out.write(f"{sandbox.id} {server.url}\\n")


def test_sms_login_with_the_code_from_the_outbox(citizen_factory, admin, sandbox, zheliban_server):
    record(sandbox, zheliban_server)
    zhang = citizen_factory(PHONE, login=False)
    assert not zhang.logged_in
    zhang.send_sms_code(PHONE)
    zhang.login_sms(PHONE, admin.latest_sms_code(PHONE))
    assert zhang.logged_in and zhang.me().name == "*伟"


def test_card_qr_is_verified_once(citizen, sandbox, zheliban_server):
    record(sandbox, zheliban_server)
    card = citizen.cards()[0]
    qr = citizen.issue_qr(card.id)
    verified = citizen.verify_qr(qr.numeric_code)
    assert verified.valid and verified.holder.name == "*伟"
    with pytest.raises(ApiError) as refused:
        citizen.verify_qr(qr.payload)
    assert refused.value.code == "QR_USED"


def test_advancing_the_clock_expires_the_qr(citizen, admin, sandbox, zheliban_server):
    record(sandbox, zheliban_server)
    qr = citizen.issue_qr(citizen.cards()[0].id)
    clock = admin.advance(qr.expires_in + 1)
    assert clock.now >= qr.expires_at
    with pytest.raises(ApiError) as refused:
        citizen.verify_qr(qr.numeric_code)
    assert refused.value.code == "QR_EXPIRED"


def fresh_then_changed(sandbox, citizen, admin):
    """Asserts the sandbox is as seeded, then changes it: whichever of the two tests runs second
    proves that the first one's changes did not reach it."""
    assert admin.outbox(PHONE) == []
    assert citizen.payments() == []
    assert citizen.bill("BL00004").status == "unpaid"
    assert admin.now() - START < timedelta(minutes=5)
    citizen.send_sms_code(PHONE)
    citizen.pay("BL00004", "258369", idempotency_key=new_idempotency_key())
    admin.advance(hours=2)  # past the access token's 30 minutes: the client refreshes it
    assert citizen.bill("BL00004").status == "paid"


def test_isolated_sandbox_one(sandbox, citizen, admin, zheliban_server):
    record(sandbox, zheliban_server)
    fresh_then_changed(sandbox, citizen, admin)


def test_isolated_sandbox_two(sandbox, citizen, admin, zheliban_server):
    record(sandbox, zheliban_server)
    fresh_then_changed(sandbox, citizen, admin)


@pytest.mark.asyncio
async def test_async_client_and_the_sync_admin_in_one_async_test(citizen_async, admin, sandbox, zheliban_server):
    record(sandbox, zheliban_server)
    me = await citizen_async.me()
    admin.set_clock("2026-06-16T06:59:59+08:00", frozen=True)
    clock = await citizen_async.server_clock()
    assert me.id == "C0001" and clock.now == datetime.fromisoformat("2026-06-16T06:59:59+08:00")
'''

MARKED_SUITE = '''
from datetime import timedelta

import pytest


@pytest.mark.zheliban_sandbox(seed=7, start="2026-06-20T06:59:30+08:00")
def test_the_marker_chooses_seed_and_start(sandbox, admin):
    print("SANDBOX", sandbox.id)
    assert sandbox.seed == 7 and sandbox.start.isoformat() == "2026-06-20T06:59:30+08:00"
    assert admin.info().seed == 7


@pytest.mark.parametrize("sandbox", [{"seed": 3}, {"seed": 4}], indirect=True)
def test_an_indirect_parameter_chooses_the_seed(sandbox, request):
    print("SANDBOX", sandbox.id)
    assert sandbox.seed == request.node.callspec.params["sandbox"]["seed"]


def test_more_sandboxes_in_one_test(sandbox, sandbox_factory, admin):
    other = sandbox_factory(seed=9)
    print("SANDBOX", sandbox.id)
    print("SANDBOX", other.id)
    admin.for_sandbox(other.id).advance(hours=5)
    assert admin.for_sandbox(other.id).now() >= other.start + timedelta(hours=5)
    assert admin.now() < sandbox.start + timedelta(hours=1)
'''


# In-process runs leave out pytest-textual-snapshot and syrupy: they keep session state in module
# globals that an inner session would tear down under the outer one.
IN_PROCESS = ("-p", "no:textual-snapshot", "-p", "no:syrupy", "-p", "no:cacheprovider",
              "-o", "asyncio_default_fixture_loop_scope=function")


def reuse(server) -> tuple[str, ...]:
    return ("--zheliban-server", server.url, "--zheliban-admin-key", server.admin_key)


def test_a_qa_suite_runs_on_the_fixtures_under_xdist_with_a_backend_per_worker(pytester):
    pytester.makepyfile(test_qa=QA_SUITE)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=6)
    lines = (pytester.path / "sandboxes.txt").read_text().split("\n")
    rows = [line.split() for line in lines if line]
    sandbox_ids = [row[0] for row in rows]
    assert len(sandbox_ids) == len(set(sandbox_ids)) == 6  # a sandbox of its own for every test
    servers = {row[1] for row in rows}
    assert 1 <= len(servers) <= 2 and all(url.startswith("http://127.0.0.1:") for url in servers)


FLOWS_SUITE = '''
"""Sixteen full flows, eight at a time, against one backend: the same citizen, the same bill and the same
time window in every test. Each test sees only its own sandbox: its payment, its booking, its clock, its
faults and its journal."""
from datetime import date, timedelta

import pytest

from zheliban_tui.api import ApiError, new_idempotency_key

DEPARTMENT = "H01D02"


def window_of(citizen, day):
    schedule = citizen.schedule(DEPARTMENT, day)
    return next(w for d in schedule.doctors for s in d.sessions for w in s.windows if w.remaining > 0)


@pytest.mark.parametrize("n", range(16))
def test_a_full_flow_alone_in_its_sandbox(n, citizen, admin):
    start = admin.now()
    # faults: the first hospital list of this sandbox fails, no other sandbox's
    admin.set_faults(f"seed={n}; status=503,route=/api/v1/hospitals,times=1")
    with pytest.raises(ApiError) as refused:
        citizen.hospitals()
    assert refused.value.code == "FAULT_INJECTED"
    assert citizen.hospitals()
    # pay the same bill as every other test: paid once, here
    payment = citizen.pay("BL00004", "258369", idempotency_key=new_idempotency_key())
    assert [p.id for p in citizen.payments()] == [payment.id]
    # book the same window as every other test: this sandbox's count goes down by one only
    day = (start + timedelta(days=2)).date()
    window = window_of(citizen, day)
    seeded = {a.id for a in citizen.appointments()}
    appointment = citizen.book(window.id, idempotency_key=new_idempotency_key())
    after = next(w for d in citizen.schedule(DEPARTMENT, day).doctors for s in d.sessions for w in s.windows
                 if w.id == window.id)
    assert after.remaining == window.remaining - 1
    assert {a.id for a in citizen.appointments()} == seeded | {appointment.id}
    # a clock of its own
    admin.advance(minutes=n)
    assert admin.now() - start >= timedelta(minutes=n)
    assert admin.now() - start < timedelta(minutes=n, seconds=30)
    # a journal of its own: exactly this test's requests
    posts = admin.journal(route="/api/v1/payments", method="POST")
    assert len(posts) == 1 and posts[0].request["bill_id"] == "BL00004"
    assert [e.status for e in admin.journal(route="/api/v1/hospitals")] == [503, 200]
    assert admin.faults().fired == (1,)
'''


def test_full_flows_under_eight_xdist_workers_share_one_backend_without_interference(pytester, zheliban_server):
    pytester.makepyfile(test_flows=FLOWS_SUITE)
    result = pytester.runpytest_subprocess("-n", "8", "-p", "no:cacheprovider", *reuse(zheliban_server), timeout=300)
    result.assert_outcomes(passed=16)
    assert "8 workers" in result.stdout.str()


def test_marker_parameter_and_factory_sandboxes_are_deleted_after_each_test(pytester, zheliban_server, admin):
    pytester.makepyfile(test_marked=MARKED_SUITE)
    result = pytester.runpytest(*IN_PROCESS, "-s", "--strict-markers", *reuse(zheliban_server))
    result.assert_outcomes(passed=4)
    made = set(re.findall(r"SANDBOX (\S+)", result.stdout.str()))
    assert len(made) == 5
    still_there = {info.id for info in admin.run(admin.client.sandboxes())}
    assert admin.sandbox_id in still_there and not made & still_there


def test_a_wrong_marker_argument_is_an_error_of_that_test(pytester, zheliban_server):
    pytester.makepyfile(test_wrong='''
        import pytest

        @pytest.mark.zheliban_sandbox(sead=7)
        def test_typo(sandbox):
            pass
    ''')
    result = pytester.runpytest(*IN_PROCESS, *reuse(zheliban_server))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown sandbox option*sead*use seed and start*"])


def test_a_server_without_an_admin_key_is_a_usage_error(pytester, monkeypatch):
    monkeypatch.delenv("ZHELIBAN_ADMIN_KEY", raising=False)
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest(*IN_PROCESS, "--zheliban-server", "http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--zheliban-server needs --zheliban-admin-key*"])


def test_importing_the_plugin_imports_neither_the_client_nor_the_backend():
    probe = textwrap.dedent("""
        import sys
        import mock_server.pytest_plugin
        heavy = ("httpx", "zheliban_tui", "mock_server.app", "fastapi", "uvicorn", "asyncio", "sqlite3")
        print(" ".join(m for m in heavy if m in sys.modules) or "none")
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


# --- the fixtures in this suite ----------------------------------------------------------------------
def test_the_fixtures_work_here(zheliban_server, sandbox, admin, citizen):
    assert zheliban_server.url.startswith("http://127.0.0.1:") and zheliban_server.running
    assert "admin_key" not in repr(zheliban_server) and zheliban_server.admin_key not in repr(zheliban_server)
    assert sandbox.seed == 2025 and sandbox.start == START and sandbox.headers == {"X-Sandbox-Id": sandbox.id}
    assert citizen.sandbox == sandbox.id and citizen.me().id == "C0001"
    frozen = admin.freeze()
    time.sleep(0.3)
    assert frozen.frozen and admin.now() == frozen.now
    assert admin.advance(timedelta(minutes=1)).now == frozen.now + timedelta(minutes=1)
    assert not admin.unfreeze().frozen
    payment = citizen.pay("BL00004", "258369", idempotency_key=(key := new_idempotency_key()))
    assert citizen.pay("BL00004", "258369", idempotency_key=key).id == payment.id  # replayed, not charged twice
    assert admin.reset().id == sandbox.id  # the seeded state again: the bill unpaid, no session
    citizen.login_password(PHONE, "Zlb@2025")
    assert citizen.bill("BL00004").status == "unpaid" and citizen.payments() == []


def test_other_citizens_sms_codes_and_errors(citizen_factory, admin):
    li_na = citizen_factory("13805710002")
    assert li_na.me().name.endswith("娜")
    with pytest.raises(LookupError):
        admin.latest_sms_code("13905710003")
    wang = citizen_factory("13905710003", login=False)
    wang.send_sms_code("13905710003")
    wang.login_sms("13905710003", admin.latest_sms_code("13905710003"))
    with pytest.raises(ApiError) as refused:
        wang.issue_qr(wang.cards()[0].id)
    assert refused.value.code == "CARD_LOST"  # 王芳's card is reported lost


@pytest.mark.zheliban_sandbox(start="2026-06-16T06:59:58+08:00")
async def test_the_async_citizen_on_the_tests_own_loop(citizen_async, citizen_async_factory, admin, sandbox):
    assert sandbox.start == datetime.fromisoformat("2026-06-16T06:59:58+08:00")
    li_na = citizen_async_factory("13805710002")
    mine, hers = await asyncio.gather(citizen_async.cards(), li_na.cards())
    assert mine[0].holder_id == "C0001" and hers[0].holder_id != "C0001"
    admin.freeze()
    assert (await citizen_async.server_clock()).now == admin.now()
