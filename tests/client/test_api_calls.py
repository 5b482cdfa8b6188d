"""Every ``ApiClient`` method against a fake backend: the request it sends (method, path, query,
headers, body) and the model it reads from the answer."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Awaitable, Callable

import httpx
import pytest

from tests.client.api_support import SANDBOX, api, http, sample, saved, server  # noqa: F401 (fixtures)
from zheliban_tui.api import (
    ApiClient,
    Appointment,
    Bill,
    Card,
    Department,
    Hospital,
    Message,
    PaymentSummary,
    UtilityProvider,
    WaitlistEntry,
)

NO_BODY = object()


@dataclass
class Call:
    name: str
    call: Callable[[ApiClient], Awaitable[Any]]
    method: str
    path: str
    answer: Any
    check: Callable[[Any], bool]
    params: dict = field(default_factory=dict)
    body: Any = NO_BODY
    status: int = 200
    authenticated: bool = True


def items(name: str) -> dict:
    return {"items": [sample(name)]}


SHANGHAI_OFFSET = timedelta(hours=8)

CALLS = [
    Call("send_sms_code", lambda a: a.send_sms_code("13705719050"), "POST", "/auth/sms-codes",
         sample("sms_sent"), lambda r: r.phone == "137****9050" and r.resend_after == 60 and r.sends_left_today == 4,
         body={"phone": "13705719050"}, status=202, authenticated=False),
    Call("me", lambda a: a.me(), "GET", "/me", sample("me"),
         lambda r: r.name == "*伟" and r.realname_level == 3 and r.family[0].relation == "配偶"
         and r.unread_messages == 1),
    Call("server_clock", lambda a: a.server_clock(), "GET", "/clock", sample("clock"),
         lambda r: r.now == datetime.fromisoformat("2026-06-15T09:00:00+08:00") and r.sandbox == "demo"
         and isinstance(r.epoch, float), authenticated=False),
    Call("cards", lambda a: a.cards(), "GET", "/cards", {"items": [sample("card"), sample("card_revealed")]},
         lambda r: [type(c) for c in r] == [Card, Card] and r[0].masked and not r[1].masked
         and r[0].valid_until == date(2033, 9, 2)),
    Call("card", lambda a: a.card("K0001"), "GET", "/cards/K0001", sample("card"),
         lambda r: r.card_number == "E*****276" and r.status_label == "正常" and r.issue_date == date(2023, 9, 2)),
    Call("reveal_card", lambda a: a.reveal_card("K0001", "369147"), "POST", "/cards/K0001/reveal",
         sample("card_revealed"), lambda r: r.masked is False and r.holder_name == "张伟",
         body={"pin": "369147"}),
    Call("issue_qr", lambda a: a.issue_qr("K0001"), "POST", "/cards/K0001/qr", sample("qr"),
         lambda r: r.expires_at - r.issued_at == timedelta(seconds=60) and r.expires_in == 60
         and r.payload.startswith("ZLB1.") and len(r.numeric_code) == 18, status=201),
    Call("verify_qr", lambda a: a.verify_qr("ZLB1.X.K0001.Y.Z", counter="浙大一院 1号窗口"), "POST", "/qr/verify",
         sample("qr_verification"), lambda r: r.valid and r.holder.name == "*伟" and r.card.city_name == "杭州市",
         body={"code": "ZLB1.X.K0001.Y.Z", "counter": "浙大一院 1号窗口"}, authenticated=False),
    Call("insurance", lambda a: a.insurance("C0006"), "GET", "/insurance", sample("insurance"),
         lambda r: r.balance_fen == 391009 and r.settlements[0].kind == "门诊"
         and r.settlements[0].settled_at.utcoffset() == SHANGHAI_OFFSET, params={"person_id": "C0006"}),
    Call("insurance for oneself", lambda a: a.insurance(), "GET", "/insurance", sample("insurance"),
         lambda r: r.person_id == "C0001"),
    Call("settlements", lambda a: a.settlements("C0001", limit=5), "GET", "/insurance/settlements",
         sample("settlements"), lambda r: r.total >= len(r.items) == 1 and r.items[0].self_paid_fen == 5176,
         params={"person_id": "C0001", "limit": "5"}),
    Call("bills", lambda a: a.bills("all", family="utility", person_id="C0001"), "GET", "/bills", sample("bills"),
         lambda r: isinstance(r.items[0], Bill) and r.totals.total_due_fen == r.totals.amount_fen + r.totals.late_fee_fen,
         params={"status": "all", "family": "utility", "person_id": "C0001"}),
    Call("bills unpaid by default", lambda a: a.bills(), "GET", "/bills", sample("bills"),
         lambda r: r.items[0].status == "unpaid", params={"status": "unpaid"}),
    Call("bill", lambda a: a.bill("BL00002"), "GET", "/bills/BL00002", sample("bill"),
         lambda r: r.provider.name == "国网杭州供电公司" and r.due_date == date(2026, 5, 25) and r.expires_on is None
         and r.total_due_fen == r.amount_fen + r.late_fee_fen),
    Call("utility_providers", lambda a: a.utility_providers("330100", "electricity"), "GET", "/utility-providers",
         sample("providers"), lambda r: isinstance(r[0], UtilityProvider) and r[0].kind == "water",
         params={"city_code": "330100", "kind": "electricity"}),
    Call("lookup_bills by account", lambda a: a.lookup_bills(provider_id="P002", account_number="3385201711"),
         "POST", "/bills/lookup", sample("lookup"),
         lambda r: r.account.number == "3385201711" and r.account.provider.id == "P002" and len(r.bills) == 1,
         body={"provider_id": "P002", "account_number": "3385201711"}),
    Call("lookup_bills by pay code", lambda a: a.lookup_bills(pay_code="3301360675817868"), "POST", "/bills/lookup",
         {"account": None, "bills": [sample("bill")]}, lambda r: r.account is None and r.bills[0].id == "BL00002",
         body={"pay_code": "3301360675817868"}),
    Call("payments", lambda a: a.payments(family="utility", q="水", date_from=date(2026, 6, 1), date_to="2026-06-30",
                                          limit=10),
         "GET", "/payments", sample("payments"),
         lambda r: isinstance(r[0], PaymentSummary) and r[0].bill.kind_label == "水费" and r[0].amount_fen == 9055,
         params={"family": "utility", "q": "水", "from": "2026-06-01", "to": "2026-06-30", "limit": "10"}),
    Call("payment", lambda a: a.payment("PM00000001"), "GET", "/payments/PM00000001", sample("payment"),
         lambda r: r.bill.status == "paid" and r.receipt.amount_in_words == "人民币玖拾元伍角伍分"
         and r.amount_fen == r.owed_fen + r.late_fee_fen + r.prepaid_fen),
    Call("receipt", lambda a: a.receipt("PM00000001"), "GET", "/payments/PM00000001/receipt", sample("receipt"),
         lambda r: len(r.bill_code) == 8 and r.payer_name == "张伟" and r.issued_at.utcoffset() == SHANGHAI_OFFSET),
    Call("hospitals", lambda a: a.hospitals("浙大"), "GET", "/hospitals", sample("hospitals"),
         lambda r: isinstance(r[0], Hospital) and r[0].short_name == "浙大一院", params={"q": "浙大"}),
    Call("hospital", lambda a: a.hospital("H01"), "GET", "/hospitals/H01", sample("hospital"),
         lambda r: r.level == "三级甲等" and r.department_count == 7),
    Call("departments", lambda a: a.departments("H01"), "GET", "/hospitals/H01/departments", sample("departments"),
         lambda r: isinstance(r[0], Department) and r[0].name == "心血管内科"),
    Call("department", lambda a: a.department("H01D01"), "GET", "/departments/H01D01", sample("department"),
         lambda r: r.hospital.short_name == "浙大一院" and r.doctors[0].fee_fen == 10000),
    Call("doctor", lambda a: a.doctor("H01D01R1"), "GET", "/doctors/H01D01R1", sample("doctor"),
         lambda r: r.title.endswith("主任医师") and r.department.id == "H01D01" and r.hospital.id == "H01"),
    Call("department_dates", lambda a: a.department_dates("H01D01"), "GET", "/departments/H01D01/dates",
         sample("dates"), lambda r: r.today == date(2026, 6, 15) and r.days[0].date == date(2026, 6, 16)
         and r.days[0].weekday_label == "周二"),
    Call("schedule", lambda a: a.schedule("H01D01", date(2026, 6, 16)), "GET", "/departments/H01D01/schedule",
         sample("schedule"),
         lambda r: r.date == date(2026, 6, 16) and r.doctors[0].sessions[0].period_label == "上午"
         and r.doctors[0].sessions[0].windows[0].ends_at - r.doctors[0].sessions[0].windows[0].starts_at
         == timedelta(minutes=30), params={"date": "2026-06-16"}),
    Call("schedule given a datetime", lambda a: a.schedule("H01D01", datetime(2026, 6, 16, 23, 30)), "GET",
         "/departments/H01D01/schedule", sample("schedule"), lambda r: r.date == date(2026, 6, 16),
         params={"date": "2026-06-16"}),
    Call("schedule of tomorrow", lambda a: a.schedule("H01D01"), "GET", "/departments/H01D01/schedule",
         sample("schedule"), lambda r: r.bookable),
    Call("appointments", lambda a: a.appointments("past"), "GET", "/appointments", sample("appointments"),
         lambda r: isinstance(r[0], Appointment) and r[0].status_label == "已就诊"
         and r[0].checkin_at == r[0].starts_at - timedelta(minutes=30), params={"scope": "past"}),
    Call("appointment", lambda a: a.appointment("AP0000015"), "GET", "/appointments/AP0000015",
         sample("appointments")["items"][0], lambda r: r.booking_number == "260526000015" and r.queue_number == 1),
    Call("cancel_appointment", lambda a: a.cancel_appointment("AP0000015"), "POST", "/appointments/AP0000015/cancel",
         {**sample("appointments")["items"][0], "status": "cancelled", "status_label": "已取消",
          "cancelled_at": "2026-06-15T09:00:00+08:00"},
         lambda r: r.status == "cancelled" and r.cancelled_at == datetime.fromisoformat("2026-06-15T09:00:00+08:00")),
    Call("waitlist", lambda a: a.waitlist(), "GET", "/waitlist", {"items": [sample("waitlist_entry")]},
         lambda r: isinstance(r[0], WaitlistEntry) and r[0].position == 1),
    Call("join_waitlist", lambda a: a.join_waitlist("S00002", patient_id="C0006"), "POST", "/waitlist",
         sample("waitlist_entry"), lambda r: r.status_label == "候补中" and r.appointment_id is None,
         body={"session_id": "S00002", "patient_id": "C0006"}, status=201),
    Call("leave_waitlist", lambda a: a.leave_waitlist("WL0000001"), "DELETE", "/waitlist/WL0000001",
         {**sample("waitlist_entry"), "status": "cancelled", "status_label": "已取消", "position": None},
         lambda r: r.status == "cancelled" and r.position is None),
    Call("messages", lambda a: a.messages(unread_only=True, limit=20, before=100), "GET", "/messages",
         sample("messages"), lambda r: r.unread == 3 and isinstance(r.items[0], Message) and r.items[0].read is False,
         params={"unread": "true", "limit": "20", "before": "100"}),
    Call("messages, all of them", lambda a: a.messages(), "GET", "/messages", sample("messages"),
         lambda r: r.items[0].title == "候补登记成功"),
    Call("unread_count", lambda a: a.unread_count(), "GET", "/messages/unread-count", {"unread": 3},
         lambda r: r == 3),
    Call("message", lambda a: a.message(27), "GET", "/messages/27", sample("messages")["items"][0],
         lambda r: r.id == 27 and r.ref_type == "waitlist" and r.ref_id == "WL0000001"),
    Call("read_message", lambda a: a.read_message(27), "POST", "/messages/27/read",
         {**sample("messages")["items"][0], "read": True}, lambda r: r.read is True),
    Call("read_all_messages", lambda a: a.read_all_messages(), "POST", "/messages/read-all", {"unread": 0},
         lambda r: r == 0),
]


@pytest.mark.parametrize("case", CALLS, ids=[c.name for c in CALLS])
async def test_each_method_sends_its_request_and_reads_its_answer(case: Call, api, server):
    route = server.route(method=case.method, path="/api/v1" + case.path).respond(case.status, json=case.answer)
    result = await case.call(api)
    assert route.call_count == 1
    request = route.calls.last.request
    assert dict(request.url.params) == case.params
    assert request.headers["X-Sandbox-Id"] == SANDBOX
    if case.authenticated:
        assert request.headers["Authorization"] == "Bearer at1.OLD-ACCESS"
    else:
        assert "Authorization" not in request.headers
    assert "Idempotency-Key" not in request.headers
    if case.body is NO_BODY:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == case.body
    assert case.check(result), result


async def test_pay_sends_the_callers_idempotency_key_and_reads_the_payment(api, server):
    route = server.post("/api/v1/payments").respond(201, json=sample("payment"))
    payment = await api.pay("BL00004", "258369", idempotency_key="zlb-key-0001", amount_fen=9055)
    request = route.calls.last.request
    assert request.headers["Idempotency-Key"] == "zlb-key-0001"
    assert request.headers["Authorization"] == "Bearer at1.OLD-ACCESS"
    assert json.loads(request.content) == {"bill_id": "BL00004", "pin": "258369", "amount_fen": 9055}
    assert payment.id == "PM00000001" and payment.status == "succeeded"
    assert payment.receipt is not None and payment.receipt.amount_fen == payment.amount_fen == 9055


async def test_pay_without_an_amount_pays_what_is_due(api, server):
    route = server.post("/api/v1/payments").respond(201, json=sample("payment"))
    await api.pay("BL00004", "258369", idempotency_key="zlb-key-0002")
    assert json.loads(route.calls.last.request.content) == {"bill_id": "BL00004", "pin": "258369"}


async def test_a_retried_payment_sends_the_same_key(api, server):
    route = server.post("/api/v1/payments").mock(side_effect=[httpx.ReadTimeout("slow"),
                                                              httpx.Response(201, json=sample("payment"))])
    key = "zlb-key-0003"
    with pytest.raises(Exception):
        await api.pay("BL00004", "258369", idempotency_key=key)
    await api.pay("BL00004", "258369", idempotency_key=key)
    assert [c.request.headers["Idempotency-Key"] for c in route.calls] == [key, key]


async def test_book_sends_the_key_and_the_patient(api, server):
    answer = {**sample("appointments")["items"][0], "status": "booked", "status_label": "待就诊", "cancellable": True}
    route = server.post("/api/v1/appointments").respond(201, json=answer)
    appointment = await api.book("W000020", idempotency_key="zlb-book-0001", patient_id="C0007")
    request = route.calls.last.request
    assert request.headers["Idempotency-Key"] == "zlb-book-0001"
    assert json.loads(request.content) == {"window_id": "W000020", "patient_id": "C0007"}
    assert appointment.status == "booked" and appointment.cancellable
    assert appointment.checkin_place == "浙大一院 门诊A区4楼"


async def test_book_for_oneself_leaves_the_patient_out(api, server):
    route = server.post("/api/v1/appointments").respond(201, json=sample("appointments")["items"][0])
    await api.book("W000020", idempotency_key="zlb-book-0002")
    assert json.loads(route.calls.last.request.content) == {"window_id": "W000020"}


async def test_new_idempotency_keys_are_unique_and_acceptable_to_the_server():
    import re

    from zheliban_tui.api import new_idempotency_key

    keys = {new_idempotency_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_.:-]{8,100}", k) for k in keys)


async def test_ids_are_escaped_so_they_cannot_reach_another_route(api, server):
    route = server.get(url__regex=r".*").respond(200, json=sample("card"))
    await api.card("../../admin/sandboxes")
    assert route.calls.last.request.url.raw_path == b"/api/v1/cards/..%2F..%2Fadmin%2Fsandboxes"


async def test_without_a_sandbox_no_sandbox_header_is_sent(http, server):
    route = server.get("/api/v1/hospitals").respond(200, json=sample("hospitals"))
    await ApiClient(http).hospitals()
    assert "X-Sandbox-Id" not in route.calls.last.request.headers
    assert "Authorization" not in route.calls.last.request.headers


async def test_a_server_under_a_path_prefix_keeps_the_prefix():
    import respx

    from zheliban_tui.api import make_http_client

    gateway = respx.MockRouter()
    route = gateway.get("http://gw.test/zlb/api/v1/hospitals").respond(200, json=sample("hospitals"))
    async with make_http_client("http://gw.test/zlb", transport=httpx.MockTransport(gateway.async_handler)) as http:
        await ApiClient(http).hospitals()
    assert route.called


async def test_the_http_client_needs_a_base_url():
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError):
            ApiClient(http)
