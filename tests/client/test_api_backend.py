"""The client against the real mock backend in-process (``httpx.ASGITransport``): the models read the
backend's real answers of every route, and login, refresh, rotation and log-out behave end to end."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from mock_server.app import create_app
from mock_server.sandbox import SandboxRegistry
from mock_server.settings import DEFAULT_SETTINGS
from tests.server.helpers import ADMIN_KEY, DEMO_CARD_PIN, DEMO_PASSWORD, DEMO_PAY_PIN, PHONES, START, ZHANG
from zheliban_tui.api import AdminClient, ApiClient, ApiError, make_http_client, new_idempotency_key

PHONE = PHONES[ZHANG]  # 张伟, real-name level 3, three family members
WRONG_PIN = "147258"


@pytest.fixture
def registry(tmp_path):
    reg = SandboxRegistry(tmp_path / "mock.sqlite", DEFAULT_SETTINGS)
    reg.ensure("demo", seed=DEFAULT_SETTINGS.default_seed, start=START)
    yield reg
    reg.close()


@pytest.fixture
async def http(registry):
    app = create_app(registry, DEFAULT_SETTINGS, admin_key=ADMIN_KEY)
    async with make_http_client("http://mock", transport=httpx.ASGITransport(app=app)) as client:
        yield client


@pytest.fixture
def saved():
    return []


@pytest.fixture
def api(http, saved):
    return ApiClient(http, on_tokens=saved.append)


@pytest.fixture
def admin(http):
    return AdminClient(http, ADMIN_KEY)


@pytest.fixture
async def zhang(api):
    await api.login_password(PHONE, DEMO_PASSWORD)
    return api


async def failure_of(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        await call
    return caught.value


# --- the session ---------------------------------------------------------------------------------------
async def test_password_login_me_refresh_and_logout(api, saved):
    tokens = await api.login_password(PHONE, DEMO_PASSWORD)
    assert tokens.citizen_id == ZHANG and saved == [tokens]
    me = await api.me()
    assert (me.id, me.name, me.phone, me.realname_level) == (ZHANG, "*伟", "137****9050", 3)
    assert [m.relation for m in me.family] == ["配偶", "子女", "父母"]
    clock = await api.server_clock()
    assert clock.sandbox == "demo" and clock.now.utcoffset() == timedelta(hours=8)

    renewed = await api.refresh()
    assert renewed.refresh_token != tokens.refresh_token and api.tokens is renewed
    assert (await api.me()).id == ZHANG

    assert await api.logout() is True
    assert api.tokens is None and saved[-1] is None
    assert (await failure_of(api.me())).code == "AUTH_REQUIRED"
    err = await failure_of(api.refresh(renewed.refresh_token))
    assert err.code == "SESSION_ENDED" and err.server_code == "SESSION_REVOKED"


async def test_sms_login_with_the_code_from_the_outbox(api, admin):
    sent = await api.send_sms_code(PHONE)
    assert sent.phone == "137****9050" and sent.expires_in == 300 and sent.resend_after == 60
    texts = await admin.outbox("demo", phone=PHONE, limit=1)
    tokens = await api.login_sms(PHONE, texts[0].code)
    assert tokens.citizen_id == ZHANG
    again = await failure_of(api.send_sms_code(PHONE))
    assert again.code == "OTP_RESEND_TOO_SOON" and 0 < again.retry_after <= 60


async def test_a_wrong_password_says_how_many_tries_are_left(api):
    err = await failure_of(api.login_password(PHONE, "Wrong@2025"))
    assert (err.code, err.status, err.tries_left) == ("INVALID_CREDENTIALS", 401, 4)
    assert api.tokens is None


async def test_an_expired_access_token_is_refreshed_without_the_caller_noticing(zhang, admin, saved):
    first = zhang.tokens
    await admin.advance_clock("demo", 31 * 60)
    assert (await zhang.me()).id == ZHANG
    assert zhang.tokens is not first and saved == [first, zhang.tokens]
    # the old refresh token was rotated away: presenting it again revokes the whole session
    err = await failure_of(zhang.refresh(first.refresh_token))
    assert err.code == "SESSION_ENDED" and err.server_code == "REFRESH_TOKEN_REUSED"
    assert zhang.tokens is None


async def test_the_end_of_the_session_ends_it(zhang, admin, saved):
    await admin.advance_clock("demo", 12 * 3600 + 60)
    err = await failure_of(zhang.cards())
    assert err.code == "SESSION_ENDED" and err.session_ended
    assert zhang.tokens is None and saved[-1] is None


# --- the card ------------------------------------------------------------------------------------------
async def test_card_reveal_show_code_and_insurance(zhang, http):
    cards = await zhang.cards()
    assert [c.relation for c in cards][:1] == ["本人"] and all(c.masked for c in cards)
    own = await zhang.card(cards[0].id)
    assert own == cards[0]

    wrong = await failure_of(zhang.reveal_card(own.id, WRONG_PIN))
    assert wrong.code == "PIN_INVALID" and wrong.tries_left == 4
    revealed = await zhang.reveal_card(own.id, DEMO_CARD_PIN)
    assert not revealed.masked and revealed.holder_name == "张伟" and "*" not in revealed.card_number

    qr = await zhang.issue_qr(own.id)
    assert qr.card_id == own.id and qr.expires_at - qr.issued_at == timedelta(seconds=qr.expires_in)
    counter = ApiClient(http)  # a hospital counter: no citizen login
    verified = await counter.verify_qr(qr.payload, counter="浙大一院 1号窗口")
    assert verified.valid and verified.qr_id == qr.qr_id and verified.holder.name == "*伟"
    assert (await failure_of(counter.verify_qr(qr.payload))).code == "QR_USED"
    typed = await zhang.issue_qr(own.id)
    assert (await counter.verify_qr(typed.numeric_code)).qr_id == typed.qr_id

    account = await zhang.insurance()
    assert account.person_id == ZHANG and account.balance_fen > 0 and account.settlements
    listed = await zhang.settlements(limit=1)
    assert len(listed.items) == 1 and listed.total >= 1 and listed.items[0] == account.settlements[0]


# --- bills and payments --------------------------------------------------------------------------------
async def test_bills_lookup_pay_retry_and_receipt(zhang):
    unpaid = await zhang.bills()
    assert unpaid.totals.count == len(unpaid.items) > 0
    assert unpaid.totals.total_due_fen == sum(b.total_due_fen for b in unpaid.items)
    water = next(b for b in unpaid.items if b.kind == "water" and not b.expired)
    assert (await zhang.bill(water.id)) == water

    providers = await zhang.utility_providers(city_code="330100")
    assert {p.kind for p in providers} == {"water", "electricity", "gas"}
    found = await zhang.lookup_bills(provider_id=water.provider.id, account_number=water.account_number)
    assert found.account.number == water.account_number and water.id in [b.id for b in found.bills]

    key = new_idempotency_key()
    payment = await zhang.pay(water.id, DEMO_PAY_PIN, idempotency_key=key)
    assert payment.status == "succeeded" and payment.amount_fen == water.total_due_fen
    assert payment.receipt.amount_fen == payment.amount_fen and payment.bill.status == "paid"
    replay = await zhang.pay(water.id, DEMO_PAY_PIN, idempotency_key=key)  # a retry after a timeout
    assert replay.id == payment.id
    other_key = await failure_of(zhang.pay(water.id, DEMO_PAY_PIN, idempotency_key=new_idempotency_key()))
    assert other_key.code == "BILL_ALREADY_PAID"

    listed = await zhang.payments(family="utility")
    assert [p.id for p in listed] == [payment.id] and listed[0].bill.kind_label == "水费"
    assert (await zhang.payment(payment.id)).receipt == payment.receipt
    receipt = await zhang.receipt(payment.id)
    assert receipt.payer_name == "张伟" and receipt.amount_in_words.startswith("人民币")
    assert (await zhang.bill(water.id)).status == "paid"


async def test_lookup_by_payment_code(zhang):
    everything = await zhang.bills("all")
    coded = next(b for b in everything.items if b.pay_code and b.status == "unpaid" and not b.expired)
    found = await zhang.lookup_bills(pay_code=coded.pay_code)
    assert found.account is None and [b.id for b in found.bills] == [coded.id]


# --- hospitals and appointments ------------------------------------------------------------------------
async def test_catalogue(api):
    hospitals = await api.hospitals("浙大")
    assert hospitals and all("浙大" in h.short_name or "浙江大学" in h.name for h in hospitals)
    hospital = await api.hospital(hospitals[0].id)
    departments = await api.departments(hospital.id)
    assert len(departments) == hospital.department_count
    department = await api.department(departments[0].id)
    assert department.hospital.id == hospital.id and len(department.doctors) == department.doctor_count
    doctor = await api.doctor(department.doctors[0].id)
    assert doctor.department.id == department.id and doctor.fee_fen == department.doctors[0].fee_fen

    strip = await api.department_dates(department.id)
    assert len(strip.days) == 7 and strip.days[0].date == strip.today + timedelta(days=1)
    day = next(d for d in strip.days if d.bookable)
    schedule = await api.schedule(department.id, day.date)
    assert schedule.date == day.date and schedule.bookable
    windows = [w for d in schedule.doctors for s in d.sessions for w in s.windows]
    assert sum(w.remaining for w in windows) == day.remaining
    assert all(w.ends_at - w.starts_at == timedelta(minutes=30) for w in windows)
    assert {s.period_label for d in schedule.doctors for s in d.sessions} <= {"上午", "下午"}


async def test_book_cancel_and_the_waitlist(zhang, admin):
    strip = await zhang.department_dates("H01D01")
    day = next(d for d in strip.days if d.bookable)
    schedule = await zhang.schedule("H01D01", day.date)
    sessions = [s for d in schedule.doctors for s in d.sessions]
    window = next(w for s in sessions if not s.full for w in s.windows if w.remaining > 0)

    key = new_idempotency_key()
    booked = await zhang.book(window.id, idempotency_key=key)
    assert booked.status == "booked" and booked.window_id == window.id and booked.patient.relation == "本人"
    assert booked.starts_at == window.starts_at and booked.cancellable
    assert (await zhang.book(window.id, idempotency_key=key)).id == booked.id  # replayed, not booked twice
    assert booked.id in [a.id for a in await zhang.appointments("upcoming")]
    assert await zhang.appointment(booked.id) == booked
    cancelled = await zhang.cancel_appointment(booked.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None

    full = next(s for s in sessions if s.full)
    entry = await zhang.join_waitlist(full.id)
    assert entry.status == "waiting" and entry.position == full.waiting + 1 and entry.session_id == full.id
    assert [e.id for e in await zhang.waitlist()] == [entry.id]
    left = await zhang.leave_waitlist(entry.id)
    assert left.status == "cancelled" and left.position is None

    again = await zhang.book(window.id, idempotency_key=new_idempotency_key())
    attended = await admin.attend("demo", again.id)
    assert attended.id == again.id and attended.status == "attended"


# --- messages ------------------------------------------------------------------------------------------
async def test_messages(zhang):
    listed = await zhang.messages()
    assert listed.unread == await zhang.unread_count() >= 1
    newest = listed.items[0]
    assert await zhang.message(newest.id) == newest
    assert (await zhang.read_message(newest.id)).read is True
    assert (await zhang.messages(unread_only=True)).unread == listed.unread - 1
    assert await zhang.read_all_messages() == 0
    assert await zhang.unread_count() == 0


# --- sandboxes -----------------------------------------------------------------------------------------
async def test_admin_sandbox_and_clock(admin, http):
    created = await admin.create_sandbox("qa-client", seed=7, start="2026-06-15T09:00:00+08:00")
    assert created.id == "qa-client" and created.seed == 7
    assert "qa-client" in [s.id for s in await admin.sandboxes()]
    assert (await admin.sandbox("qa-client")).start == created.start

    frozen = await admin.set_clock("qa-client", "2026-06-16T07:00:00+08:00", frozen=True)
    assert frozen.frozen and frozen.now.isoformat() == "2026-06-16T07:00:00+08:00"
    moved = await admin.advance_clock("qa-client", 90)
    assert moved.now - frozen.now == timedelta(seconds=90)
    assert (await admin.freeze_clock("qa-client", False)).frozen is False
    assert (await admin.clock("qa-client")).now >= moved.now

    citizen = ApiClient(http, sandbox="qa-client")
    assert (await citizen.server_clock()).sandbox == "qa-client"
    await citizen.login_password(PHONE, DEMO_PASSWORD)
    assert (await citizen.me()).id == ZHANG
    reset = await admin.reset_sandbox("qa-client")
    assert reset.seed == 7
    await admin.delete_sandbox("qa-client")
    assert (await failure_of(admin.sandbox("qa-client"))).code == "SANDBOX_NOT_FOUND"
    assert (await failure_of(citizen.server_clock())).code == "SANDBOX_NOT_FOUND"
