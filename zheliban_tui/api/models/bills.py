"""Answers about bills, payments and e-receipts."""
from __future__ import annotations

from datetime import date, datetime  # noqa: F401 - read by the annotations
from typing import Any  # noqa: F401 - read by the annotations

from .base import Model, _secret, model  # noqa: F401


# --- bills and payments ----------------------------------------------------------------------------
@model
class Provider(Model):
    id: str
    name: str
    city_code: str
    city_name: str


@model
class UtilityProvider(Provider):
    kind: str  # water | electricity | gas


@model
class Bill(Model):
    id: str
    family: str  # utility | nontax | fine | insurance
    kind: str  # water | electricity | gas | nontax | fine | insurance
    kind_label: str
    provider: Provider | None
    account_number: str | None  # 户号 of utility bills
    pay_code: str | None  # 缴款识别码 of non-tax fees and fines
    agency: str
    item: str
    person_id: str
    payer_name: str  # masked
    period: str | None  # YYYY-MM for utilities, YYYY for insurance
    amount_fen: int
    late_fee_fen: int
    total_due_fen: int  # 0 once paid
    due_date: date
    overdue_days: int
    expires_on: date | None
    expired: bool
    status: str  # unpaid | paid
    payment_rule: str  # exact | at_least
    paid_payment_id: str | None
    paid_at: datetime | None


@model
class BillTotals(Model):
    count: int
    amount_fen: int
    late_fee_fen: int
    total_due_fen: int


@model
class BillList(Model):
    items: tuple[Bill, ...]
    totals: BillTotals  # over the listed unpaid bills


@model
class UtilityAccount(Model):
    number: str  # 户号
    provider: Provider
    holder_name: str  # masked
    address: str  # masked
    customer_type: str  # resident | business
    prepaid_fen: int


@model
class BillLookup(Model):
    account: UtilityAccount | None  # null for a look-up by payment code
    bills: tuple[Bill, ...]


@model
class Receipt(Model):
    """The fiscal e-bill (财政电子票据) of a payment."""

    payment_id: str
    bill_code: str
    bill_number: str
    check_code: str
    issued_at: datetime
    amount_fen: int
    amount_in_words: str
    payer_name: str
    agency: str
    item: str


@model
class Payment(Model):
    id: str
    bill_id: str
    payer_id: str
    status: str  # succeeded | pending | failed
    channel: str
    amount_fen: int  # owed + late fee + prepaid
    owed_fen: int
    late_fee_fen: int
    prepaid_fen: int
    created_at: datetime
    completed_at: datetime | None
    bill: Bill
    receipt: Receipt | None


@model
class BillSummary(Model):
    id: str
    family: str
    kind: str
    kind_label: str
    agency: str
    item: str
    period: str | None
    person_id: str
    payer_name: str  # masked


@model
class PaymentSummary(Model):
    """A payment in the list of my payments."""

    id: str
    bill_id: str
    payer_id: str
    status: str
    amount_fen: int
    owed_fen: int
    late_fee_fen: int
    prepaid_fen: int
    created_at: datetime
    completed_at: datetime | None
    bill: BillSummary
