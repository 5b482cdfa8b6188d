"""Each citizen flow once over a real socket: card and QR at a counter, paying a bill, booking and cancelling."""
from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from mock_server.seed import DEMO_CARD_PIN, DEMO_PASSWORD, DEMO_PAY_PIN
from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.e2e
ADMIN = {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture
def c(live_server, request):
    name = "flow-" + request.node.name[5:].replace("_", "-")[:40]
    httpx.delete(f"{live_server.url}/admin/sandboxes/{name}", headers=ADMIN)
    assert httpx.post(f"{live_server.url}/admin/sandboxes", json={"id": name}, headers=ADMIN).status_code == 201
    with httpx.Client(base_url=live_server.url, headers={"X-Sandbox-Id": name}) as client:
        r = client.post("/api/v1/auth/login/password", json={"account": "13705719050", "password": DEMO_PASSWORD})
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        client.sandbox = name
        yield client
    httpx.delete(f"{live_server.url}/admin/sandboxes/{name}", headers=ADMIN)


def test_card_qr_is_verified_once_at_a_counter(c, live_server):
    card = c.get("/api/v1/cards").json()["items"][0]
    assert card["relation"] == "本人" and card["masked"] and "*" in card["social_security_number"]
    full = c.post(f"/api/v1/cards/{card['id']}/reveal", json={"pin": DEMO_CARD_PIN}).json()
    assert full["masked"] is False and "*" not in full["social_security_number"]
    qr = c.post(f"/api/v1/cards/{card['id']}/qr").json()
    counter = httpx.Client(base_url=live_server.url, headers={"X-Sandbox-Id": c.sandbox})
    ok = counter.post("/api/v1/qr/verify", json={"code": qr["numeric_code"], "counter": "浙大一院 1号窗口"})
    assert ok.status_code == 200 and ok.json()["holder"]["name"] == "*伟"
    again = counter.post("/api/v1/qr/verify", json={"code": qr["payload"]})
    assert again.status_code == 409 and again.json()["code"] == "QR_USED"
    qr2 = c.post(f"/api/v1/cards/{card['id']}/qr").json()
    httpx.post(f"{live_server.url}/admin/sandboxes/{c.sandbox}/clock/advance", json={"seconds": 60}, headers=ADMIN)
    late = counter.post("/api/v1/qr/verify", json={"code": qr2["payload"]})
    assert late.status_code == 410 and late.json()["code"] == "QR_EXPIRED"


def test_pay_an_overdue_bill_and_get_receipt_and_message(c):
    bills = c.get("/api/v1/bills").json()
    overdue = next(b for b in bills["items"] if b["overdue_days"] > 0)
    assert overdue["late_fee_fen"] >= 100
    unread = c.get("/api/v1/messages/unread-count").json()["unread"]
    r = c.post("/api/v1/payments", json={"bill_id": overdue["id"], "pin": DEMO_PAY_PIN},
               headers={"Idempotency-Key": "pay-overdue-0001"})
    assert r.status_code == 201, r.text
    payment = r.json()
    assert payment["amount_fen"] == overdue["total_due_fen"]
    receipt = c.get(f"/api/v1/payments/{payment['id']}/receipt").json()
    assert receipt["amount_in_words"].startswith("人民币") and len(receipt["bill_code"]) == 8
    assert c.get("/api/v1/messages/unread-count").json()["unread"] == unread + 1
    assert c.get("/api/v1/messages").json()["items"][0]["kind"] == "payment"


def test_book_find_and_cancel_an_appointment(c):
    day = (date(2026, 6, 15) + timedelta(days=2)).isoformat()
    strip = c.get("/api/v1/departments/H01D02/dates").json()["days"]
    assert [d["date"] for d in strip][0] == "2026-06-16" and len(strip) == 7
    schedule = c.get("/api/v1/departments/H01D02/schedule", params={"date": day}).json()
    window = next(w for d in schedule["doctors"] for s in d["sessions"] for w in s["windows"] if w["remaining"] > 0)
    r = c.post("/api/v1/appointments", json={"window_id": window["id"]}, headers={"Idempotency-Key": "book-0001"})
    assert r.status_code == 201, r.text
    appointment = r.json()
    assert appointment["booking_number"] and appointment["queue_number"] >= 1
    upcoming = c.get("/api/v1/appointments", params={"scope": "upcoming"}).json()["items"]
    assert [a["id"] for a in upcoming] == [appointment["id"]]
    cancelled = c.post(f"/api/v1/appointments/{appointment['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    kinds = [m["kind"] for m in c.get("/api/v1/messages").json()["items"][:2]]
    assert kinds == ["cancellation", "booking"]
