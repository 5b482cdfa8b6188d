"""Paying bills: amounts per family, the payment PIN and its lock, idempotent retries, charging a bill
at most once (also under concurrency), paying for family and for strangers, payments and receipts."""
from __future__ import annotations

import asyncio
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from mock_server.domain.fiscal_bill import verify_check_code
from mock_server.store import bills as bill_store
from mock_server.store import payments as payment_store
from mock_server.store.db import Database, IntegrityError
from mock_server.store.idempotency import request_hash
from tests.server.helpers import DEMO_PAY_PIN, LI, ZHANG, assert_problem

PAY = "/api/v1/payments"
WRONG_PIN = "147258"
MAX_PAYMENT_FEN = 100_000_000


# --- helpers ---------------------------------------------------------------------------------------
def new_key() -> str:
    return "pay-" + uuid.uuid4().hex


async def pay(client, headers, bill_id: str, *, amount: int | None = None, pin: str = DEMO_PAY_PIN,
              key: str | None = None):
    body: dict = {"bill_id": bill_id, "pin": pin}
    if amount is not None:
        body["amount_fen"] = amount
    return await client.post(PAY, json=body, headers={**headers, "Idempotency-Key": key or new_key()})


async def advance(client, admin_headers, seconds: float):
    r = await client.post("/admin/sandboxes/demo/clock/advance", json={"seconds": seconds}, headers=admin_headers)
    assert r.status_code == 200, r.text


async def set_clock(client, admin_headers, now: str):
    r = await client.put("/admin/sandboxes/demo/clock", json={"now": now, "frozen": True}, headers=admin_headers)
    assert r.status_code == 200, r.text


async def today(client) -> date:
    return date.fromisoformat((await client.get("/api/v1/clock")).json()["now"][:10])


def expected_late_fee(amount_fen: int, due: str, on: date) -> int:
    days = (on - date.fromisoformat(due)).days
    if days <= 0:
        return 0
    return max(100, int((Decimal(amount_fen) * Decimal("0.001") * days).quantize(Decimal(1), ROUND_HALF_UP)))


async def find_bill(client, headers, *, overdue: bool | None = None, **match) -> dict:
    r = await client.get("/api/v1/bills", headers=headers)
    assert r.status_code == 200, r.text
    for b in r.json()["items"]:
        if all(b[k] == v for k, v in match.items()) and (overdue is None or (b["overdue_days"] > 0) == overdue) \
                and not b["expired"]:
            return b
    raise AssertionError(f"no bill like {match}")


def snapshot(sandbox, bill_id: str) -> dict:
    """Everything a payment would change, read straight from the database."""
    db = sandbox.db
    bill = db.one("SELECT status, paid_payment_id, provider_id, account_number FROM bills WHERE id = ?", (bill_id,))
    return {
        "status": bill["status"],
        "paid_payment_id": bill["paid_payment_id"],
        "payments": db.scalar("SELECT COUNT(*) FROM payments WHERE bill_id = ?", (bill_id,)),
        "receipts": db.scalar("SELECT COUNT(*) FROM receipts r JOIN payments p ON p.id = r.payment_id "
                              "WHERE p.bill_id = ?", (bill_id,)),
        "prepaid": db.scalar("SELECT prepaid_fen FROM utility_accounts WHERE provider_id = ? AND account_number = ?",
                             (bill["provider_id"], bill["account_number"])),
        "messages": db.scalar("SELECT COUNT(*) FROM messages WHERE kind = 'payment'"),
        "idempotency_keys": db.scalar("SELECT COUNT(*) FROM idempotency_keys"),
    }


def assert_unpaid_and_untouched(sandbox, bill_id: str, before: dict) -> None:
    after = snapshot(sandbox, bill_id)
    assert after == before
    assert after["status"] == "unpaid" and after["payments"] == 0


async def payment_messages(client, headers) -> list[dict]:
    r = await client.get("/api/v1/messages", headers=headers)
    return [m for m in r.json()["items"] if m["kind"] == "payment"]


def without_instance(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "instance"}


# --- paying ----------------------------------------------------------------------------------------
async def test_pay_an_overdue_water_bill_exactly_with_its_late_fee(client, auth, sandbox):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="water", overdue=True)
    fee = expected_late_fee(bill["amount_fen"], bill["due_date"], await today(client))
    listed = (await client.get("/api/v1/bills", headers=headers)).json()

    r = await pay(client, headers, bill["id"])
    assert r.status_code == 201, r.text
    p = r.json()
    assert re.fullmatch(r"PM[0-9]{8}", p["id"])
    assert p["status"] == "succeeded" and p["channel"] == "mock"
    assert p["bill_id"] == bill["id"] and p["payer_id"] == ZHANG
    assert (p["owed_fen"], p["late_fee_fen"], p["prepaid_fen"]) == (bill["amount_fen"], fee, 0)
    assert p["amount_fen"] == bill["amount_fen"] + fee
    assert p["created_at"] == p["completed_at"] and p["created_at"].endswith("+08:00")
    assert p["bill"]["status"] == "paid" and p["bill"]["paid_payment_id"] == p["id"]
    assert p["bill"]["total_due_fen"] == 0 and p["bill"]["late_fee_fen"] == fee
    receipt = p["receipt"]
    assert receipt["payment_id"] == p["id"] and receipt["amount_fen"] == p["amount_fen"]
    assert re.fullmatch(r"33[0-9]{6}", receipt["bill_code"])
    assert re.fullmatch(r"[0-9]{10}", receipt["bill_number"])
    assert re.fullmatch(r"[0-9A-F]{6}", receipt["check_code"])
    assert receipt["payer_name"] == "张伟"  # the payer's own receipt: the full name
    assert receipt["agency"] == bill["agency"] and receipt["item"] == "水费"
    assert receipt["issued_at"] == p["completed_at"]

    # as the citizen sees it afterwards
    assert (await client.get(f"/api/v1/bills/{bill['id']}", headers=headers)).json() == p["bill"]
    after = (await client.get("/api/v1/bills", headers=headers)).json()
    assert bill["id"] not in [b["id"] for b in after["items"]]
    assert after["totals"]["count"] == listed["totals"]["count"] - 1
    assert after["totals"]["total_due_fen"] == listed["totals"]["total_due_fen"] - p["amount_fen"]
    paid = (await client.get("/api/v1/bills", params={"status": "paid"}, headers=headers)).json()
    assert [b["id"] for b in paid["items"]] == [bill["id"]] and paid["totals"]["count"] == 0
    assert (await client.get(f"{PAY}/{p['id']}", headers=headers)).json() == p
    assert (await client.get(f"{PAY}/{p['id']}/receipt", headers=headers)).json() == receipt
    (message,) = await payment_messages(client, headers)
    assert message["title"] == "缴费成功" and message["ref_id"] == p["id"]
    yuan = f"{p['amount_fen'] // 100}.{p['amount_fen'] % 100:02d}元"
    assert yuan in message["body"] and "水费" in message["body"]
    state = snapshot(sandbox, bill["id"])
    assert (state["status"], state["payments"], state["receipts"]) == ("paid", 1, 1)


async def test_receipt_amount_in_capitals_and_its_check_code(client, auth, sandbox):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="electricity", overdue=True)
    r = await pay(client, headers, bill["id"], amount=140950)
    assert r.status_code == 201, r.text
    receipt = r.json()["receipt"]
    assert receipt["amount_fen"] == 140950
    assert receipt["amount_in_words"] == "人民币壹仟肆佰零玖元伍角"
    assert "1409.50元" in (await payment_messages(client, headers))[0]["body"]
    # the check code is an HMAC under the sandbox's secret: a changed amount does not verify
    assert verify_check_code(sandbox.secret, receipt["bill_code"], receipt["bill_number"], 140950,
                             receipt["check_code"])
    assert not verify_check_code(sandbox.secret, receipt["bill_code"], receipt["bill_number"], 140951,
                                 receipt["check_code"])
    # the next receipt of the same agency: same bill code, the next bill number
    current = await find_bill(client, headers, kind="electricity", overdue=False)
    second = (await pay(client, headers, current["id"])).json()["receipt"]
    assert second["bill_code"] == receipt["bill_code"]
    assert int(second["bill_number"]) == int(receipt["bill_number"]) + 1
    insurance = await find_bill(client, headers, family="insurance", person_id=ZHANG)
    words = (await pay(client, headers, insurance["id"])).json()["receipt"]["amount_in_words"]
    assert words == "人民币肆佰陆拾伍元整"


@pytest.mark.parametrize("kind", ["electricity", "gas"])
async def test_electricity_and_gas_accept_more_and_keep_the_surplus_as_prepaid(client, auth, sandbox, kind):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind=kind, overdue=True)
    due = bill["total_due_fen"]
    account = {"provider_id": bill["provider"]["id"], "account_number": bill["account_number"]}
    prepaid_before = (await client.post("/api/v1/bills/lookup", json=account, headers=headers)).json()["account"]["prepaid_fen"]
    before = snapshot(sandbox, bill["id"])

    body = assert_problem(await pay(client, headers, bill["id"], amount=due - 1), 422, "AMOUNT_TOO_LOW")
    assert body["due_fen"] == due
    assert_unpaid_and_untouched(sandbox, bill["id"], before)

    r = await pay(client, headers, bill["id"], amount=due + 12_345)
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["owed_fen"], p["late_fee_fen"], p["prepaid_fen"]) == (bill["amount_fen"], bill["late_fee_fen"], 12_345)
    assert p["amount_fen"] == due + 12_345 == p["receipt"]["amount_fen"]
    assert "12345" not in str(p["bill"])  # the bill itself shows the arrears and the fee, not the surplus
    # the next month's bill is still owed, so the account can be looked up again
    account_after = (await client.post("/api/v1/bills/lookup", json=account, headers=headers)).json()["account"]
    assert account_after["prepaid_fen"] == prepaid_before + 12_345
    assert "预存余额" in (await payment_messages(client, headers))[0]["body"]


async def test_at_least_bills_paid_without_an_amount_take_exactly_what_is_due(client, auth):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="gas", overdue=False)
    p = (await pay(client, headers, bill["id"])).json()
    assert (p["amount_fen"], p["prepaid_fen"], p["late_fee_fen"]) == (bill["amount_fen"], 0, 0)


@pytest.mark.parametrize("match", [{"kind": "water"}, {"family": "nontax"}, {"family": "fine"},
                                   {"family": "insurance", "person_id": ZHANG}])
async def test_exact_families_take_only_the_amount_due(client, auth, sandbox, match):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, **match)
    assert bill["payment_rule"] == "exact"
    due = bill["total_due_fen"]
    before = snapshot(sandbox, bill["id"])
    for amount in (due + 1, due - 1, due + 10_000):
        body = assert_problem(await pay(client, headers, bill["id"], amount=amount), 422, "AMOUNT_MUST_BE_EXACT")
        assert body["due_fen"] == due
    assert_unpaid_and_untouched(sandbox, bill["id"], before)
    r = await pay(client, headers, bill["id"], amount=due)
    assert r.status_code == 201, r.text
    assert r.json()["amount_fen"] == due and r.json()["prepaid_fen"] == 0


@pytest.mark.parametrize("kind", ["electricity", "water"])
@pytest.mark.parametrize("amount", [0, -100, MAX_PAYMENT_FEN + 1, 10 ** 30])
async def test_amounts_out_of_range_are_invalid(client, auth, sandbox, kind, amount):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind=kind, overdue=True)
    before = snapshot(sandbox, bill["id"])
    assert_problem(await pay(client, headers, bill["id"], amount=amount), 422, "AMOUNT_INVALID")
    assert_unpaid_and_untouched(sandbox, bill["id"], before)


async def test_the_largest_amount_is_accepted_on_electricity(client, auth):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="electricity", overdue=False)
    r = await pay(client, headers, bill["id"], amount=MAX_PAYMENT_FEN)
    assert r.status_code == 201, r.text
    assert r.json()["receipt"]["amount_in_words"] == "人民币壹佰万元整"


@pytest.mark.parametrize("body", [
    {"amount_fen": 27224.0}, {"amount_fen": 272.24}, {"amount_fen": "27224"}, {"amount_fen": True},
    {"pin": 258369}, {"pin": None}, {"bill_id": 1}, {"tip_fen": 100}, {"bill_id": "B" * 33},
])
async def test_malformed_payment_bodies_are_refused(client, auth, sandbox, body):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="electricity", overdue=True)
    before = snapshot(sandbox, bill["id"])
    payload = {"bill_id": bill["id"], "pin": DEMO_PAY_PIN, **body}
    r = await client.post(PAY, json=payload, headers={**headers, "Idempotency-Key": new_key()})
    assert_problem(r, 422, "VALIDATION_FAILED")
    assert_unpaid_and_untouched(sandbox, bill["id"], before)
    r = await client.post(PAY, json={"pin": DEMO_PAY_PIN}, headers={**headers, "Idempotency-Key": new_key()})
    assert_problem(r, 422, "VALIDATION_FAILED")


async def test_the_idempotency_key_is_required_and_checked(client, auth, sandbox):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="water", overdue=True)
    before = snapshot(sandbox, bill["id"])
    body = {"bill_id": bill["id"], "pin": DEMO_PAY_PIN}
    assert_problem(await client.post(PAY, json=body, headers=headers), 400, "IDEMPOTENCY_KEY_REQUIRED")
    for key in ("short", "k" * 101, "has space in it", "key/with/slashes"):
        r = await client.post(PAY, json=body, headers={**headers, "Idempotency-Key": key})
        assert_problem(r, 400, "IDEMPOTENCY_KEY_INVALID")
    assert_unpaid_and_untouched(sandbox, bill["id"], before)


async def test_unknown_paid_and_expired_bills_are_refused(client, auth, sandbox, admin_headers):
    headers = auth(ZHANG)
    assert_problem(await pay(client, headers, "BL99999"), 404, "BILL_NOT_FOUND")
    # the seeded expired payment code
    expired = [b for b in (await client.get("/api/v1/bills", headers=headers)).json()["items"] if b["expired"]][0]
    before = snapshot(sandbox, expired["id"])
    body = assert_problem(await pay(client, headers, expired["id"]), 410, "BILL_EXPIRED")
    assert body["expires_on"] == expired["expires_on"]
    assert_unpaid_and_untouched(sandbox, expired["id"], before)
    # paid already
    water = await find_bill(client, headers, kind="water", overdue=True)
    assert (await pay(client, headers, water["id"])).status_code == 201
    paid_state = snapshot(sandbox, water["id"])
    assert_problem(await pay(client, headers, water["id"]), 409, "BILL_ALREADY_PAID")
    assert_problem(await pay(client, headers, water["id"], pin=WRONG_PIN), 409, "BILL_ALREADY_PAID")
    assert snapshot(sandbox, water["id"]) == paid_state and paid_state["payments"] == 1
    # a fine whose code runs out while the clock moves
    fine = await find_bill(client, headers, family="fine")
    days = (date.fromisoformat(fine["expires_on"]) - await today(client)).days + 1
    await advance(client, admin_headers, days * 86400)
    before = snapshot(sandbox, fine["id"])
    assert_problem(await pay(client, auth(ZHANG), fine["id"]), 410, "BILL_EXPIRED")
    assert_unpaid_and_untouched(sandbox, fine["id"], before)


# --- the payment PIN -------------------------------------------------------------------------------
@pytest.mark.parametrize("pin", ["25836", "2583690", "25836a", "", "258 36", "２５８３６９"])
async def test_a_pin_that_is_not_six_digits_is_refused_and_not_counted(client, auth, sandbox, pin):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="water", overdue=True)
    before = snapshot(sandbox, bill["id"])
    for _ in range(6):
        assert_problem(await pay(client, headers, bill["id"], pin=pin), 422, "PIN_FORMAT")
    assert_unpaid_and_untouched(sandbox, bill["id"], before)
    body = assert_problem(await pay(client, headers, bill["id"], pin=WRONG_PIN), 401, "PIN_INVALID")
    assert body["tries_left"] == 4


async def test_five_wrong_pins_lock_payment_for_thirty_minutes(client, auth, sandbox, admin_headers):
    await set_clock(client, admin_headers, "2026-06-15T10:00:00+08:00")
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="water", overdue=True)
    before = snapshot(sandbox, bill["id"])
    for left in (4, 3, 2, 1):
        body = assert_problem(await pay(client, headers, bill["id"], pin=WRONG_PIN), 401, "PIN_INVALID")
        assert body["tries_left"] == left
    r = await pay(client, headers, bill["id"], pin=WRONG_PIN)
    body = assert_problem(r, 423, "PIN_LOCKED")
    assert body["locked_until"] == "2026-06-15T10:30:00+08:00"
    assert body["retry_after"] == 1800 and r.headers["Retry-After"] == "1800"
    assert "30 more minutes" in body["detail"]
    # now even the right PIN is refused, and nothing was charged
    assert_problem(await pay(client, headers, bill["id"]), 423, "PIN_LOCKED")
    assert_unpaid_and_untouched(sandbox, bill["id"], before)

    await advance(client, admin_headers, 29 * 60 + 59)
    headers = auth(ZHANG)  # access tokens last 30 minutes
    body = assert_problem(await pay(client, headers, bill["id"]), 423, "PIN_LOCKED")
    assert body["retry_after"] == 1 and "1 more minute" in body["detail"]
    assert_unpaid_and_untouched(sandbox, bill["id"], before)

    await advance(client, admin_headers, 1)
    r = await pay(client, headers, bill["id"])
    assert r.status_code == 201, r.text


async def test_the_right_pin_clears_earlier_failures(client, auth):
    headers = auth(ZHANG)
    water = await find_bill(client, headers, kind="water", overdue=True)
    gas = await find_bill(client, headers, kind="gas", overdue=True)
    for left in (4, 3, 2, 1):
        assert assert_problem(await pay(client, headers, water["id"], pin=WRONG_PIN), 401,
                              "PIN_INVALID")["tries_left"] == left
    assert (await pay(client, headers, water["id"])).status_code == 201
    body = assert_problem(await pay(client, headers, gas["id"], pin=WRONG_PIN), 401, "PIN_INVALID")
    assert body["tries_left"] == 4


async def test_a_pin_lock_is_per_citizen(client, auth):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="water", overdue=True)
    for _ in range(5):
        await pay(client, headers, bill["id"], pin=WRONG_PIN)
    assert_problem(await pay(client, headers, bill["id"]), 423, "PIN_LOCKED")
    li = auth(LI)
    li_bill = await find_bill(client, li, family="fine")
    assert (await pay(client, li, li_bill["id"])).status_code == 201


# --- idempotency and concurrency -------------------------------------------------------------------
async def test_a_retry_with_the_same_key_replays_the_first_result(client, auth, sandbox, admin_headers):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="electricity", overdue=True)
    key = new_key()
    first = await pay(client, headers, bill["id"], key=key)
    assert first.status_code == 201
    after_first = snapshot(sandbox, bill["id"])

    again = await pay(client, headers, bill["id"], key=key)
    assert again.status_code == 201 and again.content == first.content
    # the PIN is not part of the request: a retry replays whatever PIN it carries
    assert (await pay(client, headers, bill["id"], key=key, pin=WRONG_PIN)).content == first.content
    # a day later (another late fee) the stored answer still comes back unchanged
    await advance(client, admin_headers, 86400)
    headers = auth(ZHANG)
    later = await pay(client, headers, bill["id"], key=key)
    assert later.status_code == 201 and later.content == first.content
    assert snapshot(sandbox, bill["id"]) == after_first

    # the same key with another body is refused
    other = await find_bill(client, headers, kind="water", overdue=True)
    assert_problem(await pay(client, headers, other["id"], key=key), 422, "IDEMPOTENCY_KEY_REUSED")
    assert_problem(await pay(client, headers, bill["id"], key=key, amount=first.json()["amount_fen"]),
                   422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(sandbox, other["id"])["payments"] == 0

    # what is kept: the answer and a hash of {bill_id, amount_fen}; never the PIN
    row = sandbox.db.one("SELECT * FROM idempotency_keys WHERE key = ?", (key,))
    assert row["status_code"] == 201 and row["citizen_id"] == ZHANG
    assert row["request_hash"] == request_hash("payment", {"bill_id": bill["id"], "amount_fen": None})
    assert '"pin"' not in row["response_body"] and DEMO_PAY_PIN not in row["response_body"]


async def test_keys_belong_to_one_citizen(client, auth):
    key = new_key()
    zhang, li = auth(ZHANG), auth(LI)
    assert (await pay(client, zhang, (await find_bill(client, zhang, family="fine"))["id"], key=key)).status_code == 201
    r = await pay(client, li, (await find_bill(client, li, family="fine"))["id"], key=key)
    assert r.status_code == 201 and r.json()["payer_id"] == LI


async def test_twenty_concurrent_retries_with_one_key_charge_once(client, auth, sandbox):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="electricity", overdue=True)
    key = new_key()
    responses = await asyncio.gather(*(pay(client, headers, bill["id"], key=key, amount=50_000) for _ in range(20)))
    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.content for r in responses}) == 1
    state = snapshot(sandbox, bill["id"])
    assert (state["status"], state["payments"], state["receipts"], state["messages"], state["idempotency_keys"]) == \
        ("paid", 1, 1, 1, 1)
    assert state["paid_payment_id"] == responses[0].json()["id"]
    assert len(await payment_messages(client, headers)) == 1


async def test_ten_concurrent_payments_with_different_keys_charge_once(client, auth, sandbox):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="gas", overdue=True)
    prepaid_before = snapshot(sandbox, bill["id"])["prepaid"]
    responses = await asyncio.gather(*(pay(client, headers, bill["id"], amount=bill["total_due_fen"] + 100)
                                       for _ in range(10)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 9
    for r in responses:
        if r.status_code == 409:
            assert_problem(r, 409, "BILL_ALREADY_PAID")
    state = snapshot(sandbox, bill["id"])
    assert (state["status"], state["payments"], state["receipts"], state["messages"]) == ("paid", 1, 1, 1)
    assert state["prepaid"] == prepaid_before + 100  # the surplus was credited once


def test_the_database_settles_a_bill_once_across_connections(sandbox):
    """The conditional update, raced by eight connections of their own (as eight processes would)."""
    bill_id = sandbox.db.scalar("SELECT id FROM bills WHERE citizen_id = ? AND kind = 'water' AND status = 'unpaid' "
                                "ORDER BY due_date LIMIT 1", (ZHANG,))
    start = threading.Barrier(8)

    def attempt(n: int) -> bool:
        db = Database(sandbox.db.path)
        try:
            start.wait()
            with db.write():
                return bill_store.mark_paid(db, bill_id, f"PMRACE{n}")
        finally:
            db.close()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count(True) == 1
    row = sandbox.db.one("SELECT status, paid_payment_id FROM bills WHERE id = ?", (bill_id,))
    assert row["status"] == "paid" and row["paid_payment_id"] == f"PMRACE{results.index(True)}"


def test_the_database_refuses_a_second_successful_payment_of_a_bill(sandbox):
    db = sandbox.db
    bill_id = db.scalar("SELECT id FROM bills WHERE citizen_id = ? AND family = 'fine'", (ZHANG,))
    now = "2026-06-15T09:00:00+08:00"
    common = dict(citizen_id=ZHANG, bill_id=bill_id, payer_id=ZHANG, amount_fen=15000, owed_fen=15000,
                  late_fee_fen=0, prepaid_fen=0, channel="mock")
    with db.write():  # failed attempts (a channel timeout, say) may be many; one success
        payment_store.record_failed_attempt(db, payment_id="PMF00001", created_at=now, now_iso=now, **common)
        payment_store.record_failed_attempt(db, payment_id="PMF00002", created_at=now, now_iso=now, **common)
        payment_store.record_succeeded(db, payment_id="PMS00001", now_iso=now, **common)
    with pytest.raises(IntegrityError):
        with db.write():
            payment_store.record_succeeded(db, payment_id="PMS00002", now_iso=now, **common)
    counts = {r["status"]: r["n"] for r in db.all("SELECT status, COUNT(*) AS n FROM payments WHERE bill_id = ? "
                                                  "GROUP BY status", (bill_id,))}
    assert counts == {"failed": 2, "succeeded": 1}


# --- paying for others -----------------------------------------------------------------------------
async def test_pay_a_family_members_insurance_with_my_own_pin(client, auth, sandbox):
    headers = auth(ZHANG)
    bill = (await client.get("/api/v1/bills", params={"family": "insurance", "person_id": "C0006"},
                             headers=headers)).json()["items"][0]
    assert bill["payer_name"] == "*婷"
    r = await pay(client, headers, bill["id"])
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["payer_id"] == "C0006" and p["amount_fen"] == 46500
    assert p["receipt"]["payer_name"] == "刘婷" and p["receipt"]["item"].endswith("城乡居民基本医疗保险")
    assert p["bill"]["status"] == "paid" and p["bill"]["person_id"] == "C0006"
    (message,) = await payment_messages(client, headers)  # the message goes to the one who paid
    assert "465.00元" in message["body"] and "医疗保险" in message["body"]
    listed = (await client.get(PAY, headers=headers)).json()["items"]
    assert [(i["id"], i["payer_id"], i["bill"]["payer_name"]) for i in listed] == [(p["id"], "C0006", "*婷")]


async def test_look_up_and_pay_another_citizens_bills(client, auth, sandbox):
    zhang, li = auth(ZHANG), auth(LI)
    li_power = [b for b in (await client.get("/api/v1/bills", params={"family": "utility"}, headers=li)).json()["items"]
                if b["kind"] == "electricity" and b["account_number"] != "3400000001"][0]
    li_fine = await find_bill(client, li, family="fine")
    # unseen bills cannot be paid
    assert_problem(await pay(client, zhang, li_power["id"]), 404, "BILL_NOT_FOUND")
    assert_problem(await pay(client, zhang, li_fine["id"]), 404, "BILL_NOT_FOUND")

    r = await client.post("/api/v1/bills/lookup", headers=zhang,
                          json={"provider_id": li_power["provider"]["id"], "account_number": li_power["account_number"]})
    prepaid = r.json()["account"]["prepaid_fen"]
    r = await pay(client, zhang, li_power["id"], amount=li_power["total_due_fen"] + 2_000)
    assert r.status_code == 201, r.text
    power_payment = r.json()
    assert power_payment["payer_id"] == LI and power_payment["receipt"]["payer_name"] == "李娜"
    assert snapshot(sandbox, li_power["id"])["prepaid"] == prepaid + 2_000

    assert (await client.post("/api/v1/bills/lookup", json={"pay_code": li_fine["pay_code"]}, headers=zhang)).status_code == 200
    r = await pay(client, zhang, li_fine["id"])
    assert r.status_code == 201, r.text
    # the pay code is settled now
    assert_problem(await client.post("/api/v1/bills/lookup", json={"pay_code": li_fine["pay_code"]}, headers=li),
                   409, "BILL_ALREADY_PAID")

    # 李娜 sees her bills paid, but 张伟's payments stay his
    seen = (await client.get(f"/api/v1/bills/{li_fine['id']}", headers=li)).json()
    assert seen["status"] == "paid" and seen["paid_payment_id"] is None and seen["paid_at"]
    assert_problem(await client.get(f"{PAY}/{power_payment['id']}", headers=li), 404, "PAYMENT_NOT_FOUND")
    assert (await client.get(PAY, headers=li)).json()["items"] == []
    assert len((await client.get(PAY, headers=zhang)).json()["items"]) == 2


async def test_another_citizen_gets_the_same_404_as_for_a_missing_object(client, auth):
    zhang, li = auth(ZHANG), auth(LI)
    paid_bill = await find_bill(client, zhang, kind="water", overdue=True)
    unpaid_bill = await find_bill(client, zhang, family="insurance", person_id="C0007")
    payment = (await pay(client, zhang, paid_bill["id"])).json()

    missing = without_instance(assert_problem(await client.get("/api/v1/bills/BL99999", headers=li),
                                              404, "BILL_NOT_FOUND"))
    for bill_id in (paid_bill["id"], unpaid_bill["id"]):
        body = assert_problem(await client.get(f"/api/v1/bills/{bill_id}", headers=li), 404, "BILL_NOT_FOUND")
        assert without_instance(body) == missing
        assert without_instance(assert_problem(await pay(client, li, bill_id), 404, "BILL_NOT_FOUND")) == missing
    assert without_instance(assert_problem(await pay(client, li, "BL99999"), 404, "BILL_NOT_FOUND")) == missing

    missing = without_instance(assert_problem(await client.get(f"{PAY}/PM99999999", headers=li),
                                              404, "PAYMENT_NOT_FOUND"))
    for path in (f"{PAY}/{payment['id']}", f"{PAY}/{payment['id']}/receipt", f"{PAY}/PM99999999/receipt"):
        body = assert_problem(await client.get(path, headers=li), 404, "PAYMENT_NOT_FOUND")
        assert without_instance(body) == missing
    assert (await client.get(PAY, headers=li)).json()["items"] == []
    assert_problem(await client.get("/api/v1/bills", params={"person_id": ZHANG}, headers=li), 404, "PERSON_NOT_FOUND")
    # 张伟 himself still sees all of it
    assert (await client.get(f"{PAY}/{payment['id']}/receipt", headers=zhang)).status_code == 200


async def test_a_level_one_citizen_cannot_pay(client, auth):
    r = await pay(client, auth("C0004"), "BL00001")
    assert_problem(r, 403, "REALNAME_LEVEL_TOO_LOW")
    for path in (PAY, f"{PAY}/PM00000001", f"{PAY}/PM00000001/receipt"):
        assert_problem(await client.get(path, headers=auth("C0004")), 403, "REALNAME_LEVEL_TOO_LOW")


# --- my payments -----------------------------------------------------------------------------------
async def test_my_payments_newest_first_with_filters(client, auth, admin_headers):
    headers = auth(ZHANG)
    water = await find_bill(client, headers, kind="water", overdue=True)
    passport = await find_bill(client, headers, family="nontax")
    child = await find_bill(client, headers, family="insurance", person_id="C0007")
    day0 = await today(client)
    first = (await pay(client, headers, water["id"])).json()
    await advance(client, admin_headers, 86400)
    headers = auth(ZHANG)
    second = (await pay(client, headers, passport["id"])).json()
    await advance(client, admin_headers, 86400)
    headers = auth(ZHANG)
    third = (await pay(client, headers, child["id"])).json()
    day1, day2 = date.fromordinal(day0.toordinal() + 1), date.fromordinal(day0.toordinal() + 2)

    async def ids(**params) -> list[str]:
        r = await client.get(PAY, params=params, headers=headers)
        assert r.status_code == 200, r.text
        return [p["id"] for p in r.json()["items"]]

    everything = (await client.get(PAY, headers=headers)).json()["items"]
    assert [p["id"] for p in everything] == [third["id"], second["id"], first["id"]]
    item = everything[1]
    assert item["bill"] == {"id": passport["id"], "family": "nontax", "kind": "nontax", "kind_label": "非税缴款",
                            "agency": passport["agency"], "item": passport["item"], "period": None,
                            "person_id": ZHANG, "payer_name": "*伟"}
    assert item["amount_fen"] == passport["amount_fen"] and item["status"] == "succeeded"
    assert everything[0]["bill"]["payer_name"] == "*梓轩"

    assert await ids(family="nontax") == [second["id"]]
    assert await ids(family="utility") == [first["id"]]
    assert await ids(q="护照") == [second["id"]]
    assert await ids(q="水务") == [first["id"]]  # the agency 杭州市水务集团
    assert await ids(q="医疗保险") == [third["id"]]
    assert await ids(q="%") == [] and await ids(q="_") == []
    assert await ids(q="") == [third["id"], second["id"], first["id"]]
    assert await ids(**{"from": day1.isoformat()}) == [third["id"], second["id"]]
    assert await ids(to=day0.isoformat()) == [first["id"]]
    assert await ids(**{"from": day1.isoformat(), "to": day1.isoformat()}) == [second["id"]]
    assert await ids(**{"from": day2.isoformat(), "to": "9999-12-31"}) == [third["id"]]
    assert await ids(limit=1) == [third["id"]]

    for params in ({"from": "2026-02-30"}, {"from": "2026/06/15"}, {"to": "20260615"}, {"to": "2026-6-15"},
                   {"from": day2.isoformat(), "to": day0.isoformat()}, {"q": "x" * 51}, {"limit": 0},
                   {"limit": 201}, {"family": "water"}, {"from": "０２０２６-06-15"}):
        assert_problem(await client.get(PAY, params=params, headers=headers), 422, "VALIDATION_FAILED")


async def test_one_payment_and_its_receipt(client, auth):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, family="fine")
    created = (await pay(client, headers, bill["id"])).json()
    got = (await client.get(f"{PAY}/{created['id']}", headers=headers)).json()
    assert got == created
    receipt = (await client.get(f"{PAY}/{created['id']}/receipt", headers=headers)).json()
    assert receipt == created["receipt"]
    assert receipt["amount_in_words"].startswith("人民币") and receipt["amount_in_words"].endswith("整")
    assert receipt["agency"] == "杭州市公安局交通警察支队"
    assert_problem(await client.get(f"{PAY}/PM99999999", headers=headers), 404, "PAYMENT_NOT_FOUND")
    assert_problem(await client.get(f"{PAY}/" + "P" * 40, headers=headers), 422, "VALIDATION_FAILED")
