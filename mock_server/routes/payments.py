"""Fee payment (缴费), paying: a bill paid with the payment PIN (idempotent, charged at most once),
my payments and their fiscal e-bill receipts (财政电子票据)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import Field
from pydantic_core import to_json

from ..clock import SHANGHAI, iso
from ..deps import IdempotencyKeyDep, SecuredRoute, VerifiedCitizenDep
from ..domain import fiscal_bill, payment_rules
from ..domain.masking import mask_name
from ..domain.money import format_yuan
from ..domain.pin_rules import PIN_LENGTH, pin_problem
from ..errors import ProblemError
from ..lockout import check_secret
from ..sandbox import Sandbox
from ..settings import Settings
from ..store import bills as bill_store
from ..store import idempotency, messages
from ..store import payments as payment_store
from ..store.db import IntegrityError, Row
from .bills import Bill, FamilyFilter, bill_view, visible_bill
from .bills import router as _bills_router
from .models import Problem, RequestModel, ResponseModel

_PROBLEM = {"application/problem+json": {}}
router = APIRouter(route_class=SecuredRoute, tags=["bills"], responses=_bills_router.responses)
_PAYMENT_RESPONSES = {
    410: {"model": Problem, "description": "The payment code has expired", "content": _PROBLEM},
    423: {"model": Problem, "description": "Locked after too many wrong payment PINs", "content": _PROBLEM},
}

PAYMENT_SCOPE = "payment"
PAYMENT_CHANNEL = "mock"
PAYMENT_ID_PREFIX = "PM"
PAYMENT_ID_DIGITS = 8
PAYMENT_COUNTER = "payment"
RECEIPT_COUNTER = "receipt_number"
PAY_PIN = "pay_pin"
MESSAGE_KIND = "payment"
MESSAGE_TITLE = "缴费成功"
QUERY_MAX_LENGTH = 50
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PaymentIdPath = Annotated[str, Path(max_length=32, description="The payment's id, e.g. `PM00000001`")]


class PaymentCreate(RequestModel):
    bill_id: str = Field(max_length=32, description="The bill to pay")
    pin: str = Field(max_length=32, description="Your own 6-digit payment PIN (also when paying for family); "
                                                "never stored, not part of the idempotency check")
    amount_fen: int | None = Field(default=None, description="Integer fen; omitted = exactly what is due. "
                                                             "Electricity and gas accept more (surplus prepaid)")


class Receipt(ResponseModel):
    payment_id: str
    bill_code: str = Field(description="票据代码: 8 digits")
    bill_number: str = Field(description="票据号码: 10 digits")
    check_code: str = Field(description="校验码: 6 upper-case hex characters")
    issued_at: str = Field(description="ISO 8601, +08:00")
    amount_fen: int = Field(description="The amount paid, in fen")
    amount_in_words: str = Field(description="The amount in capitals, e.g. 人民币壹仟肆佰零玖元伍角")
    payer_name: str = Field(description="The payer named on the bill, in full (the receipt is theirs)")
    agency: str
    item: str


class Payment(ResponseModel):
    id: str = Field(description="Payment id: `PM` + 8 digits")
    bill_id: str
    payer_id: str = Field(description="Whose bill was paid (the person named on it)")
    status: str = Field(description="`succeeded` | `pending` | `failed`")
    channel: str = Field(description="The payment channel; `mock` here")
    amount_fen: int = Field(description="Charged in all: owed + late fee + prepaid")
    owed_fen: int = Field(description="The bill's arrears")
    late_fee_fen: int = Field(description="The late fee charged")
    prepaid_fen: int = Field(description="Surplus credited to the account's prepaid balance")
    created_at: str
    completed_at: str | None
    bill: Bill
    receipt: Receipt | None = Field(description="The fiscal e-bill; null unless the payment succeeded")


class BillSummary(ResponseModel):
    id: str
    family: str
    kind: str
    kind_label: str
    agency: str
    item: str
    period: str | None
    person_id: str
    payer_name: str = Field(description="Masked")


class PaymentListItem(ResponseModel):
    id: str
    bill_id: str
    payer_id: str
    status: str
    amount_fen: int
    owed_fen: int
    late_fee_fen: int
    prepaid_fen: int
    created_at: str
    completed_at: str | None
    bill: BillSummary


class PaymentList(ResponseModel):
    items: list[PaymentListItem] = Field(description="Newest first")



def _receipt_view(row: Row) -> dict:
    return {k: row[k] for k in ("payment_id", "bill_code", "bill_number", "check_code", "issued_at", "amount_fen",
                                "amount_in_words", "payer_name", "agency", "item")}


_PAYMENT_FIELDS = ("id", "bill_id", "payer_id", "status", "channel", "amount_fen", "owed_fen", "late_fee_fen",
                   "prepaid_fen", "created_at", "completed_at")


def _payment_view(sandbox: Sandbox, payment: Row, viewer_id: str) -> dict:
    """The full payment of a stored row, read with its receipt and bill (the route validates it)."""
    db = sandbox.db
    receipt = payment_store.receipt(db, payment["id"])
    view = {k: payment[k] for k in _PAYMENT_FIELDS}
    view["bill"] = bill_view(bill_store.get(db, payment["bill_id"]), viewer_id, sandbox.clock.today(),
                              sandbox.settings)
    view["receipt"] = _receipt_view(receipt) if receipt else None
    return view


def _new_payment_view(payment: Row, bill: Row, receipt: Row, viewer_id: str, today: date, s: Settings) -> dict:
    """A payment just made, as JSON-ready data in the field order of ``Payment``: the same JSON as
    ``_payment_view`` over the rows re-read, built from the rows in hand (bills are immutable but
    for the settlement, which is written here)."""
    view = {k: payment[k] for k in _PAYMENT_FIELDS}
    view["bill"] = bill_view({**bill, "status": "paid", "paid_payment_id": payment["id"],
                               "paid_by": payment["citizen_id"], "paid_late_fee_fen": payment["late_fee_fen"],
                               "paid_at": payment["completed_at"]}, viewer_id, today, s)
    view["receipt"] = _receipt_view(receipt)
    return view


def _payment_list_item(row: Row) -> dict:
    item = {k: row[k] for k in _PAYMENT_FIELDS if k != "channel"}
    item["bill"] = {
        "id": row["bill_id"], "family": row["bill_family"], "kind": row["bill_kind"],
        "kind_label": payment_rules.kind_label(row["bill_kind"]), "agency": row["bill_agency"],
        "item": row["bill_item"], "period": row["bill_period"], "person_id": row["bill_person_id"],
        "payer_name": mask_name(row["bill_payer_name"]),
    }
    return item



# --- helpers ---------------------------------------------------------------------------------------
class _Replay(Exception):
    """Raised in the payment's transaction (rolling it back) when the result under its key is stored."""

    def __init__(self, status_code: int, body: str) -> None:
        super().__init__(status_code)
        self.status_code = status_code
        self.body = body


def _replay_if_stored(db, citizen_id: str, key: str, body_hash: str) -> None:
    """Inside the payment's transaction, once its bill turned out settled: if the same request finished
    while this one checked the PIN, raise ``_Replay`` with its result; a key taken by another request
    is refused (IDEMPOTENCY_KEY_REUSED); else return."""
    stored = idempotency.find(db, citizen_id, key, PAYMENT_SCOPE, body_hash)
    if stored is not None:
        raise _Replay(*stored)



def _own_payment(citizen, payment_id: str) -> Row:
    row = payment_store.get_for(citizen.sandbox.db, citizen.id, payment_id)
    if row is None:
        raise ProblemError("PAYMENT_NOT_FOUND", "No such payment among yours")
    return row


def _check_pay_pin(sandbox: Sandbox, citizen_row: Row, pin: str) -> None:
    """The paying citizen's own payment PIN, locked after ``pay_pin_max_failures`` wrong entries in a row."""
    if pin_problem(pin) == "format":
        raise ProblemError("PIN_FORMAT", f"The payment PIN is {PIN_LENGTH} digits")
    check_secret(sandbox, citizen_row["id"], pin, citizen_row["pay_pin_hash"], PAY_PIN)


def _payment_message(bill: Row, charge: payment_rules.Charge, receipt: dict) -> str:
    period = f"（{bill['period']}）" if bill["period"] else ""
    text = f"您已成功缴纳{bill['item']}{period}{format_yuan(charge.amount_fen)}元"
    if charge.late_fee_fen:
        text += f"，含滞纳金{format_yuan(charge.late_fee_fen)}元"
    if charge.prepaid_fen:
        text += f"，其中{format_yuan(charge.prepaid_fen)}元存入预存余额"
    return text + f"。收款单位：{bill['agency']}；电子票据号码：{receipt['bill_number']}。"


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ProblemError("VALIDATION_FAILED", f"{name}: not a real date (YYYY-MM-DD)") from None



# --- payments --------------------------------------------------------------------------------------
@router.post("/payments", response_model=Payment, status_code=201, responses=_PAYMENT_RESPONSES,
             summary="Pay a bill with the payment PIN (header Idempotency-Key: a retry replays the result)")
async def create_payment(body: PaymentCreate, citizen: VerifiedCitizenDep, key: IdempotencyKeyDep):
    sandbox = citizen.sandbox
    db = sandbox.db
    s = sandbox.settings
    body_hash = idempotency.request_hash(PAYMENT_SCOPE, {"bill_id": body.bill_id, "amount_fen": body.amount_fen})
    stored = idempotency.find(db, citizen.id, key, PAYMENT_SCOPE, body_hash)
    if stored is not None:
        return Response(stored[1], status_code=stored[0], media_type="application/json")

    bill = visible_bill(citizen, body.bill_id)
    if bill["status"] == "paid":
        raise ProblemError("BILL_ALREADY_PAID", f"Bill {bill['id']} is paid already")
    now = sandbox.clock.now()
    today = now.date()
    if payment_rules.is_expired(date.fromisoformat(bill["expires_on"]) if bill["expires_on"] else None, today):
        raise ProblemError("BILL_EXPIRED", f"The payment code expired after {bill['expires_on']}",
                           expires_on=bill["expires_on"])
    due = payment_rules.due_today(
        family=bill["family"], amount_fen=bill["amount_fen"], due_date=date.fromisoformat(bill["due_date"]),
        today=today, resident=bill["customer_type"] == "resident",
        rate_per_day_ppm=s.late_fee_rate_ppm_per_day, minimum_fen=s.late_fee_minimum_fen)
    try:
        charge = payment_rules.charge_for(
            rule=payment_rules.payment_rule(bill["family"], bill["kind"]), owed_fen=bill["amount_fen"],
            late_fee_fen=due.late_fee_fen, amount_fen=body.amount_fen, max_payment_fen=s.max_payment_fen)
    except payment_rules.AmountRefused as refused:
        raise ProblemError(refused.code, refused.detail, due_fen=refused.due_fen) from None
    _check_pay_pin(sandbox, citizen.row, body.pin)

    now_iso = iso(now)

    def pay(db) -> bytes:
        # A request with this key that finished while this one checked the PIN is not looked for up
        # front: the bill's conditional update or the key's primary key refuses this one, and then it is
        # answered.
        payment_seq, receipt_seq = payment_store.next_numbers(db, PAYMENT_COUNTER, RECEIPT_COUNTER)
        payment_id = f"{PAYMENT_ID_PREFIX}{payment_seq:0{PAYMENT_ID_DIGITS}d}"
        if not bill_store.mark_paid(db, bill["id"], payment_id):
            _replay_if_stored(db, citizen.id, key, body_hash)
            raise ProblemError("BILL_ALREADY_PAID", f"Bill {bill['id']} is paid already")
        try:
            payment = payment_store.record_succeeded(
                db, payment_id=payment_id, citizen_id=citizen.id, bill_id=bill["id"], payer_id=bill["citizen_id"],
                amount_fen=charge.amount_fen, owed_fen=charge.owed_fen, late_fee_fen=charge.late_fee_fen,
                prepaid_fen=charge.prepaid_fen, channel=PAYMENT_CHANNEL, now_iso=now_iso)
        except IntegrityError:  # payments_one_success_per_bill: the database's own guard
            raise ProblemError("BILL_ALREADY_PAID", f"Bill {bill['id']} is paid already") from None
        if charge.prepaid_fen and not bill_store.add_prepaid(db, bill["provider_id"], bill["account_number"],
                                                             charge.prepaid_fen):
            raise ProblemError("AMOUNT_MUST_BE_EXACT", "This bill has no account to keep a surplus on",
                               due_fen=due.total_fen(bill["amount_fen"]))
        receipt = payment_store.add_receipt(db, payment_id, fiscal_bill.make_receipt(
            secret=sandbox.secret, sequence=receipt_seq, issued_at=now_iso, amount_fen=charge.amount_fen,
            payer_name=bill["payer_name"], agency=bill["agency"], item=bill["item"]))
        messages.post(db, citizen.id, MESSAGE_KIND, MESSAGE_TITLE, _payment_message(bill, charge, receipt),
                      now_iso, ref_type="payment", ref_id=payment_id)
        response = to_json(_new_payment_view(payment, bill, receipt, citizen.id, today, s))
        try:
            idempotency.store(db, citizen.id, key, PAYMENT_SCOPE, body_hash, 201, response, now_iso)
        except IntegrityError:  # the key's primary key: another request took it while this one checked
            # the PIN. Not this request: its result would have settled this bill first (mark_paid above
            # refused). Answered without another statement (PostgreSQL refuses any in a failed
            # transaction); the rollback undoes this attempt.
            raise ProblemError("IDEMPOTENCY_KEY_REUSED", idempotency.KEY_REUSED_DETAIL) from None
        return response

    try:  # committed together with the other payments and bookings of the moment (one fsync), answered after
        response = await db.transact(pay)
    except _Replay as replay:  # rolled back: nothing of this attempt is kept, not even its numbers
        return Response(replay.body, status_code=replay.status_code, media_type="application/json")
    return Response(response, status_code=201, media_type="application/json")


@router.get("/payments", response_model=PaymentList, summary="My payments, newest first")
async def list_payments(
    citizen: VerifiedCitizenDep,
    family: Annotated[FamilyFilter | None, Query(description="Only payments of this family of bills")] = None,
    q: Annotated[str | None, Query(max_length=QUERY_MAX_LENGTH, description="Search the item and the agency")] = None,
    date_from: Annotated[str | None, Query(alias="from", pattern=DATE_PATTERN,
                                           description="Paid on or after this day (YYYY-MM-DD)")] = None,
    date_to: Annotated[str | None, Query(alias="to", pattern=DATE_PATTERN,
                                         description="Paid on or before this day (YYYY-MM-DD)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    first, last = _day(date_from, "from"), _day(date_to, "to")
    if first and last and first > last:
        raise ProblemError("VALIDATION_FAILED", "from: must not be after to")
    rows = payment_store.list_for(
        citizen.sandbox.db, citizen.id, family=family, query=q or None,
        created_from=iso(datetime.combine(first, time(0), SHANGHAI)) if first else None,
        created_before=iso(datetime.combine(last + timedelta(days=1), time(0), SHANGHAI))
        if last and last < date.max else None,
        limit=limit)
    return {"items": [_payment_list_item(r) for r in rows]}


@router.get("/payments/{payment_id}", response_model=Payment, summary="One of my payments, with bill and receipt")
async def get_payment(citizen: VerifiedCitizenDep, payment_id: PaymentIdPath):
    return _payment_view(citizen.sandbox, _own_payment(citizen, payment_id), citizen.id)


@router.get("/payments/{payment_id}/receipt", response_model=Receipt,
            summary="The fiscal e-bill (财政电子票据) of one of my payments")
async def get_receipt(citizen: VerifiedCitizenDep, payment_id: PaymentIdPath):
    payment = _own_payment(citizen, payment_id)
    receipt = payment_store.receipt(citizen.sandbox.db, payment["id"])
    if receipt is None:
        raise ProblemError("PAYMENT_NOT_FOUND", f"Payment {payment_id} has no receipt: it did not succeed")
    return _receipt_view(receipt)
