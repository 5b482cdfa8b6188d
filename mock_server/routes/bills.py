"""Fee payment (缴费): my bills and my family's, utility providers, look-up by 户号 or payment code,
paying a bill with the payment PIN (idempotent, charged at most once), my payments and their fiscal
e-bill receipts (财政电子票据)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from ..clock import SHANGHAI, iso
from ..deps import IdempotencyKeyDep, SecuredRoute, VerifiedCitizenDep
from ..domain import fiscal_bill, payment_rules
from ..domain.masking import mask_address, mask_name
from ..domain.money import format_yuan
from ..domain.pin_rules import PIN_LENGTH, pin_problem
from ..errors import ProblemError
from ..lockout import check_secret
from ..sandbox import Sandbox
from ..settings import Settings
from ..store import bills as bill_store
from ..store import idempotency, messages, people
from ..store import payments as payment_store
from ..store.db import IntegrityError, Row
from .models import PROBLEM_RESPONSES, Problem, RequestModel, ResponseModel

_PROBLEM = {"application/problem+json": {}}
router = APIRouter(route_class=SecuredRoute, tags=["bills"], responses={
    **PROBLEM_RESPONSES,
    403: {"model": Problem, "description": "Real-name level too low", "content": _PROBLEM},
})
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
KEY_REUSED_DETAIL = "This Idempotency-Key was used with a different request; use a new key"  # as idempotency.find
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

BillStatusFilter = Literal["unpaid", "paid", "all"]
FamilyFilter = Literal["utility", "nontax", "fine", "insurance"]
UtilityKind = Literal["water", "electricity", "gas"]
BillIdPath = Annotated[str, Path(max_length=32, description="The bill's id, e.g. `BL00001`")]
PaymentIdPath = Annotated[str, Path(max_length=32, description="The payment's id, e.g. `PM00000001`")]


# --- models ----------------------------------------------------------------------------------------
class Provider(ResponseModel):
    id: str = Field(description="Provider id, e.g. `P002`")
    name: str = Field(description="e.g. 国网杭州供电公司")
    city_code: str = Field(description="City code, e.g. `330100`")
    city_name: str = Field(description="e.g. 杭州市")


class UtilityProvider(Provider):
    kind: str = Field(description="`water` | `electricity` | `gas`")


class ProviderList(ResponseModel):
    items: list[UtilityProvider] = Field(description="By city code, then id")


class Bill(ResponseModel):
    id: str = Field(description="Bill id, e.g. `BL00001`")
    family: str = Field(description="`utility` | `nontax` | `fine` | `insurance`")
    kind: str = Field(description="`water` | `electricity` | `gas` | `nontax` | `fine` | `insurance`")
    kind_label: str = Field(description="水费 | 电费 | 燃气费 | 非税缴款 | 交通罚款 | 医保缴费")
    provider: Provider | None = Field(description="The utility provider; null for other families")
    account_number: str | None = Field(description="The utility account's 户号 (10 digits); null for other families")
    pay_code: str | None = Field(description="The 缴款识别码 of non-tax fees and fines; null otherwise")
    agency: str = Field(description="Collecting agency or provider")
    item: str = Field(description="What is paid for, e.g. 电费, 普通护照工本费")
    person_id: str = Field(description="Whose bill it is: the citizen id of the payer named on it")
    payer_name: str = Field(description="The payer named on the bill, masked (`*伟`)")
    period: str | None = Field(description="Billing period: `YYYY-MM` for utilities, `YYYY` for insurance")
    amount_fen: int = Field(description="The amount billed (arrears), in fen")
    late_fee_fen: int = Field(description="Unpaid: the late fee as of now (utility bills of resident accounts only: "
                                          "0.1 % of the arrears a day, at least 1 yuan). Paid: the late fee paid")
    total_due_fen: int = Field(description="What paying now takes: amount + late fee; 0 once paid")
    due_date: str = Field(description="YYYY-MM-DD")
    overdue_days: int = Field(description="Whole days past the due date as of today; 0 once paid")
    expires_on: str | None = Field(description="Last day the payment code can be paid (YYYY-MM-DD); null: never")
    expired: bool = Field(description="True for an unpaid bill whose payment code has expired: it cannot be paid")
    status: str = Field(description="`unpaid` | `paid`")
    payment_rule: str = Field(description="`exact`: only the amount due; `at_least` (electricity, gas): more is "
                                          "accepted and the surplus becomes prepaid balance")
    paid_payment_id: str | None = Field(description="The payment that settled the bill, when it is one of yours")
    paid_at: str | None = Field(description="When the bill was paid")


class BillTotals(ResponseModel):
    count: int = Field(description="How many of the listed bills are unpaid (expired ones included)")
    amount_fen: int = Field(description="Their arrears, in fen")
    late_fee_fen: int = Field(description="Their late fees as of now, in fen")
    total_due_fen: int = Field(description="amount_fen + late_fee_fen")


class BillList(ResponseModel):
    items: list[Bill] = Field(description="Unpaid first, the overdue ones leading, then by due date; "
                                          "paid ones after them, latest due first")
    totals: BillTotals = Field(description="Sums over the listed unpaid bills")


class LookupRequest(RequestModel):
    provider_id: str | None = Field(default=None, max_length=16, description="With `account_number`: the provider")
    account_number: str | None = Field(default=None, max_length=64, description="户号: exactly 10 digits")
    pay_code: str | None = Field(default=None, max_length=64,
                                 description="Alone: the 缴款识别码, 8-32 upper-case letters and digits")


class UtilityAccount(ResponseModel):
    number: str = Field(description="户号")
    provider: Provider
    holder_name: str = Field(description="The account holder, masked")
    address: str = Field(description="The address, city and street only (`杭州市莫干山路****`)")
    customer_type: str = Field(description="`resident` (late fees apply) | `business`")
    prepaid_fen: int = Field(description="Prepaid balance (预存余额), in fen")


class LookupResult(ResponseModel):
    account: UtilityAccount | None = Field(description="The utility account; null for a look-up by payment code")
    bills: list[Bill] = Field(description="The unpaid bills found; you may now see and pay them")


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


# --- views -----------------------------------------------------------------------------------------
def _provider_view(row: Row) -> dict | None:
    if row["provider_id"] is None:
        return None
    return {"id": row["provider_id"], "name": row["provider_name"], "city_code": row["provider_city_code"],
            "city_name": row["provider_city_name"]}


def _bill_view(row: Row, viewer_id: str, today: date, s: Settings) -> dict:
    unpaid = row["status"] == "unpaid"
    if unpaid:
        due = payment_rules.due_today(
            family=row["family"], amount_fen=row["amount_fen"], due_date=date.fromisoformat(row["due_date"]),
            today=today, resident=row["customer_type"] == "resident",
            rate_per_day_ppm=s.late_fee_rate_ppm_per_day, minimum_fen=s.late_fee_minimum_fen)
        overdue_days, late_fee, total_due = due.overdue_days, due.late_fee_fen, due.total_fen(row["amount_fen"])
        expires_on = date.fromisoformat(row["expires_on"]) if row["expires_on"] else None
        expired = payment_rules.is_expired(expires_on, today)
    else:
        overdue_days, late_fee, total_due, expired = 0, row["paid_late_fee_fen"] or 0, 0, False
    return {
        "id": row["id"],
        "family": row["family"],
        "kind": row["kind"],
        "kind_label": payment_rules.kind_label(row["kind"]),
        "provider": _provider_view(row),
        "account_number": row["account_number"],
        "pay_code": row["pay_code"],
        "agency": row["agency"],
        "item": row["item"],
        "person_id": row["citizen_id"],
        "payer_name": mask_name(row["payer_name"]),
        "period": row["period"],
        "amount_fen": row["amount_fen"],
        "late_fee_fen": late_fee,
        "total_due_fen": total_due,
        "due_date": row["due_date"],
        "overdue_days": overdue_days,
        "expires_on": row["expires_on"],
        "expired": expired,
        "status": row["status"],
        "payment_rule": payment_rules.payment_rule(row["family"], row["kind"]),
        "paid_payment_id": row["paid_payment_id"] if row["paid_by"] == viewer_id else None,
        "paid_at": row["paid_at"],
    }


def _totals(items: list[dict]) -> dict:
    unpaid = [b for b in items if b["status"] == "unpaid"]
    amount = sum(b["amount_fen"] for b in unpaid)
    fee = sum(b["late_fee_fen"] for b in unpaid)
    return {"count": len(unpaid), "amount_fen": amount, "late_fee_fen": fee, "total_due_fen": amount + fee}


def _account_view(account: Row, provider: Row) -> dict:
    return {
        "number": account["account_number"],
        "provider": {"id": provider["id"], "name": provider["name"], "city_code": provider["city_code"],
                     "city_name": provider["city_name"]},
        "holder_name": mask_name(account["holder_name"]),
        "address": mask_address(account["address"]),
        "customer_type": account["customer_type"],
        "prepaid_fen": account["prepaid_fen"],
    }


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
    view["bill"] = _bill_view(bill_store.get(db, payment["bill_id"]), viewer_id, sandbox.clock.today(),
                              sandbox.settings)
    view["receipt"] = _receipt_view(receipt) if receipt else None
    return view


def _new_payment_view(payment: Row, bill: Row, receipt: Row, viewer_id: str, today: date, s: Settings) -> dict:
    """A payment just made, as JSON-ready data in the field order of ``Payment``: the same JSON as
    ``_payment_view`` over the rows re-read, built from the rows in hand (bills are immutable but
    for the settlement, which is written here)."""
    view = {k: payment[k] for k in _PAYMENT_FIELDS}
    view["bill"] = _bill_view({**bill, "status": "paid", "paid_payment_id": payment["id"],
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

    def __init__(self, status_code: int, body: dict) -> None:
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


def _visible_bill(citizen, bill_id: str) -> Row:
    row = bill_store.get_visible(citizen.sandbox.db, citizen.id, bill_id)
    if row is None:
        raise ProblemError("BILL_NOT_FOUND", "No such bill among yours and your family's")
    return row


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


# --- bills -----------------------------------------------------------------------------------------
@router.get("/bills", response_model=BillList, summary="My bills and my family's, with totals")
async def list_bills(
    citizen: VerifiedCitizenDep,
    status: Annotated[BillStatusFilter, Query(description="`unpaid` (default), `paid` or `all`")] = "unpaid",
    family: Annotated[FamilyFilter | None, Query(description="Only this family of bills")] = None,
    person_id: Annotated[str | None, Query(max_length=32, description="Only the bills of this person: "
                                                                      "yourself or a family member")] = None,
):
    sandbox = citizen.sandbox
    db = sandbox.db
    if person_id is not None and not people.may_act_for(db, citizen.id, person_id):
        raise ProblemError("PERSON_NOT_FOUND", f"No person {person_id!r} among you and your family")
    rows = bill_store.list_visible(db, citizen.id, status=None if status == "all" else status, family=family,
                                   person_id=person_id)
    today = sandbox.clock.today()
    items = [_bill_view(r, citizen.id, today, sandbox.settings) for r in rows]
    return {"items": items, "totals": _totals(items)}


@router.get("/bills/{bill_id}", response_model=Bill, summary="One bill")
async def get_bill(citizen: VerifiedCitizenDep, bill_id: BillIdPath):
    row = _visible_bill(citizen, bill_id)
    return _bill_view(row, citizen.id, citizen.sandbox.clock.today(), citizen.sandbox.settings)


@router.get("/utility-providers", response_model=ProviderList, summary="Water, electricity and gas providers")
async def list_providers(
    citizen: VerifiedCitizenDep,
    city_code: Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="Only this city, e.g. `330100`")] = None,
    kind: Annotated[UtilityKind | None, Query(description="Only this kind")] = None,
):
    return {"items": bill_store.providers(citizen.sandbox.db, city_code=city_code, kind=kind)}


@router.post("/bills/lookup", response_model=LookupResult,
             responses={410: {"model": Problem, "description": "The payment code has expired", "content": _PROBLEM}},
             summary="Find unpaid bills by 户号 or by payment code (anyone's: you may then pay them)")
async def lookup_bills(body: LookupRequest, citizen: VerifiedCitizenDep):
    sandbox = citizen.sandbox
    db = sandbox.db
    by_account = body.provider_id is not None or body.account_number is not None
    by_code = body.pay_code is not None
    if by_account == by_code:
        raise ProblemError("VALIDATION_FAILED", "Give either provider_id and account_number, or pay_code")
    if by_account and (body.provider_id is None or body.account_number is None):
        raise ProblemError("VALIDATION_FAILED", "provider_id and account_number go together")
    today = sandbox.clock.today()
    people_ids = people.people_of(db, citizen.id)
    account_view = None
    if by_account:
        if not payment_rules.valid_account_number(body.account_number):
            raise ProblemError("INVALID_ACCOUNT_NUMBER", "An account number (户号) is exactly 10 digits")
        provider = bill_store.provider(db, body.provider_id)
        if provider is None:
            raise ProblemError("PROVIDER_NOT_FOUND", f"No provider {body.provider_id!r}")
        account = bill_store.account(db, provider["id"], body.account_number)
        if account is None:
            raise ProblemError("ACCOUNT_NOT_FOUND", f"{provider['name']} has no account {body.account_number}")
        account_view = _account_view(account, provider)
        rows = bill_store.unpaid_of_account(db, provider["id"], body.account_number)
        if not rows:
            raise ProblemError("NOTHING_OWED", f"Account {body.account_number} owes nothing", account=account_view)
    else:
        if not payment_rules.valid_pay_code(body.pay_code):
            raise ProblemError("INVALID_PAY_CODE", "A payment code is 8-32 upper-case letters and digits")
        row = bill_store.by_pay_code(db, body.pay_code)
        if row is None:
            raise ProblemError("PAY_CODE_NOT_FOUND", "No bill has this payment code")
        if row["status"] == "paid":
            raise ProblemError("BILL_ALREADY_PAID", "The bill of this payment code is paid already")
        if payment_rules.is_expired(date.fromisoformat(row["expires_on"]) if row["expires_on"] else None, today):
            raise ProblemError("BILL_EXPIRED", f"The payment code expired after {row['expires_on']}",
                               expires_on=row["expires_on"])
        rows = [row]
    bill_store.grant_access(db, citizen.id, [r["id"] for r in rows if r["citizen_id"] not in people_ids],
                            sandbox.clock.now_iso())
    return {"account": account_view, "bills": [_bill_view(r, citizen.id, today, sandbox.settings) for r in rows]}


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
        return JSONResponse(stored[1], status_code=stored[0])

    bill = _visible_bill(citizen, body.bill_id)
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
    # A request with this key that finished while this one checked the PIN is not looked for up front:
    # the bill's conditional update or the key's primary key refuses this one, and then it is answered.
    try:
        with db.write():
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
            response = _new_payment_view(payment, bill, receipt, citizen.id, today, s)
            try:
                idempotency.store(db, citizen.id, key, PAYMENT_SCOPE, body_hash, 201, response, now_iso)
            except IntegrityError:  # the key's primary key: another request took it while this one checked
                # the PIN. Not this request: its result would have settled this bill first (mark_paid above
                # refused). Answered without another statement (PostgreSQL refuses any in a failed
                # transaction); the rollback undoes this attempt.
                raise ProblemError("IDEMPOTENCY_KEY_REUSED", KEY_REUSED_DETAIL) from None
    except _Replay as replay:  # rolled back: nothing of this attempt is kept, not even its numbers
        return JSONResponse(replay.body, status_code=replay.status_code)
    return JSONResponse(response, status_code=201)


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
