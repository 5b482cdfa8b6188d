"""Answers about the electronic social-security card, its QR code and the medical insurance."""
from __future__ import annotations

from datetime import date, datetime  # noqa: F401 - read by the annotations
from typing import Any  # noqa: F401 - read by the annotations

from .base import Model, _secret, model  # noqa: F401


# --- the e-social-security card --------------------------------------------------------------------
@model
class Card(Model):
    id: str
    holder_id: str
    holder_name: str  # masked unless revealed
    relation: str  # 本人 or the family relation
    city_code: str
    city_name: str
    card_number: str  # masked unless revealed
    social_security_number: str  # strongly masked unless revealed
    issue_date: date
    valid_until: date
    status: str  # normal | lost | cancelled
    status_label: str  # 正常 | 挂失 | 注销
    bank_name: str
    bank_card_number: str  # always masked
    masked: bool


@model
class QrCode(Model):
    """A show code (展码): short-lived and single-use; the payload goes into the QR symbol."""

    qr_id: str
    card_id: str
    payload: str = _secret()
    numeric_code: str = _secret()  # 18 digits, typed at a counter instead of scanning
    issued_at: datetime
    expires_at: datetime
    expires_in: int  # seconds the code is valid from issued_at (the countdown's length)


@model
class VerifiedHolder(Model):
    name: str  # masked
    id_number: str  # strongly masked
    gender: str


@model
class VerifiedCard(Model):
    card_number: str  # masked
    city_code: str
    city_name: str
    status: str


@model
class QrVerification(Model):
    valid: bool
    qr_id: str
    verified_at: datetime
    holder: VerifiedHolder
    card: VerifiedCard


@model
class Settlement(Model):
    id: str
    settled_at: datetime
    institution: str
    kind: str  # 门诊 | 购药 | 住院
    total_fen: int
    fund_paid_fen: int  # paid by the pooled fund (统筹)
    account_paid_fen: int  # paid from the personal account
    self_paid_fen: int


@model
class InsuranceAccount(Model):
    person_id: str
    holder_name: str  # masked
    insurance_type: str
    insured_place: str
    balance_fen: int
    settlements: tuple[Settlement, ...]  # the most recent, newest first


@model
class SettlementList(Model):
    person_id: str
    items: tuple[Settlement, ...]  # newest first
    total: int  # how many the person has in all
