"""Fee payment (缴费), the bills: my bills and my family's, utility providers, look-up by 户号 or
payment code. Paying and the receipts are in ``routes.payments``."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from ..deps import SecuredRoute, VerifiedCitizenDep
from ..domain import payment_rules
from ..domain.masking import mask_address, mask_name
from ..errors import ProblemError
from ..settings import Settings
from ..store import bills as bill_store
from ..store import people
from ..store.db import Row
from .models import PROBLEM_RESPONSES, Problem, RequestModel, ResponseModel

_PROBLEM = {"application/problem+json": {}}
router = APIRouter(route_class=SecuredRoute, tags=["bills"], responses={
    **PROBLEM_RESPONSES,
    403: {"model": Problem, "description": "Real-name level too low", "content": _PROBLEM},
})

BillStatusFilter = Literal["unpaid", "paid", "all"]
FamilyFilter = Literal["utility", "nontax", "fine", "insurance"]
UtilityKind = Literal["water", "electricity", "gas"]
BillIdPath = Annotated[str, Path(max_length=32, description="The bill's id, e.g. `BL00001`")]


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



# --- views -----------------------------------------------------------------------------------------
def provider_view(row: Row) -> dict | None:
    if row["provider_id"] is None:
        return None
    return {"id": row["provider_id"], "name": row["provider_name"], "city_code": row["provider_city_code"],
            "city_name": row["provider_city_name"]}


def bill_view(row: Row, viewer_id: str, today: date, s: Settings) -> dict:
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
        "provider": provider_view(row),
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



# --- helpers ---------------------------------------------------------------------------------------
def visible_bill(citizen, bill_id: str) -> Row:
    row = bill_store.get_visible(citizen.sandbox.db, citizen.id, bill_id)
    if row is None:
        raise ProblemError("BILL_NOT_FOUND", "No such bill among yours and your family's")
    return row



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
    if person_id is not None:
        citizen.person(person_id)
    rows = bill_store.list_visible(db, citizen.id, status=None if status == "all" else status, family=family,
                                   person_id=person_id)
    today = sandbox.clock.today()
    items = [bill_view(r, citizen.id, today, sandbox.settings) for r in rows]
    return {"items": items, "totals": _totals(items)}


@router.get("/bills/{bill_id}", response_model=Bill, summary="One bill")
async def get_bill(citizen: VerifiedCitizenDep, bill_id: BillIdPath):
    row = visible_bill(citizen, bill_id)
    return bill_view(row, citizen.id, citizen.sandbox.clock.today(), citizen.sandbox.settings)


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
    return {"account": account_view, "bills": [bill_view(r, citizen.id, today, sandbox.settings) for r in rows]}
