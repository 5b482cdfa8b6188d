"""The rules a bill is shown and paid by: kinds and labels, what is due today, which amounts a bill
accepts, the formats of 户号 and 缴款识别码, and the masked address of a utility account.

Pure functions over plain values (integer fen, ``datetime.date``); no I/O, no FastAPI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from .late_fee import days_overdue, late_fee_fen

FAMILIES = ("utility", "nontax", "fine", "insurance")
KINDS = ("water", "electricity", "gas", "nontax", "fine", "insurance")
KIND_LABELS = {
    "water": "水费",
    "electricity": "电费",
    "gas": "燃气费",
    "nontax": "非税缴款",
    "fine": "交通罚款",
    "insurance": "医保缴费",
}

EXACT = "exact"
AT_LEAST = "at_least"
# Electricity and gas accept more than is owed: the surplus becomes prepaid balance on the account.
AT_LEAST_KINDS = frozenset({"electricity", "gas"})

ACCOUNT_NUMBER_LENGTH = 10
PAY_CODE_MIN_LENGTH = 8
PAY_CODE_MAX_LENGTH = 32
_ACCOUNT_NUMBER_RE = re.compile(rf"[0-9]{{{ACCOUNT_NUMBER_LENGTH}}}")
_PAY_CODE_RE = re.compile(rf"[A-Z0-9]{{{PAY_CODE_MIN_LENGTH},{PAY_CODE_MAX_LENGTH}}}")

# The end of the street part of an address: what is kept when an account is shown to a stranger.


def _require_int(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")


def _require_date(value: date, name: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime.date")


# --- kinds -----------------------------------------------------------------------------------------
def kind_label(kind: str) -> str:
    """The Chinese label of a bill kind: "water" -> "水费"."""
    try:
        return KIND_LABELS[kind]
    except KeyError:
        raise ValueError(f"unknown bill kind {kind!r}") from None


def payment_rule(family: str, kind: str) -> str:
    """"at_least" for utility electricity and gas bills, "exact" for everything else."""
    return AT_LEAST if family == "utility" and kind in AT_LEAST_KINDS else EXACT


# --- what is due -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    """What an unpaid bill asks for today."""

    overdue_days: int
    late_fee_fen: int

    def total_fen(self, amount_fen: int) -> int:
        return amount_fen + self.late_fee_fen


def due_today(*, family: str, amount_fen: int, due_date: date, today: date, resident: bool,
              rate_per_day_ppm: int, minimum_fen: int) -> Due:
    """Days overdue and the late fee of an unpaid bill on ``today``.

    Only utility bills of resident accounts carry a late fee (0.1 % of the arrears a day by
    default, at least the minimum); every other bill counts overdue days but pays no fee.
    """
    _require_int(amount_fen, "amount_fen")
    _require_date(due_date, "due_date")
    _require_date(today, "today")
    days = days_overdue(due_date, today)
    fee = 0
    if family == "utility" and resident:
        fee = late_fee_fen(amount_fen, days, rate_per_day_ppm, minimum_fen)
    return Due(days, fee)


def is_expired(expires_on: date | None, today: date) -> bool:
    """A payment code is good through its ``expires_on`` day; bills without one never expire."""
    _require_date(today, "today")
    if expires_on is None:
        return False
    _require_date(expires_on, "expires_on")
    return today > expires_on


# --- amounts ---------------------------------------------------------------------------------------
class AmountRefused(ValueError):
    """An amount a bill does not accept; ``code`` is the API's stable error code."""

    CODES = frozenset({"AMOUNT_INVALID", "AMOUNT_MUST_BE_EXACT", "AMOUNT_TOO_LOW"})

    def __init__(self, code: str, detail: str, due_fen: int) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown code {code!r}")
        self.code = code
        self.detail = detail
        self.due_fen = due_fen
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class Charge:
    """What a payment takes: the arrears, the late fee and the surplus that becomes prepaid."""

    amount_fen: int
    owed_fen: int
    late_fee_fen: int
    prepaid_fen: int


def charge_for(*, rule: str, owed_fen: int, late_fee_fen: int, amount_fen: int | None,
               max_payment_fen: int) -> Charge:
    """Check an offered amount against a bill; answer the charge or raise ``AmountRefused``.

    ``amount_fen`` None means "exactly what is due". An amount must be positive and at most
    ``max_payment_fen``; "exact" bills take only what is due, "at_least" bills take at least that
    and keep the surplus as prepaid balance.
    """
    for value, name in ((owed_fen, "owed_fen"), (late_fee_fen, "late_fee_fen"), (max_payment_fen, "max_payment_fen")):
        _require_int(value, name)
    if rule not in (EXACT, AT_LEAST):
        raise ValueError(f"unknown payment rule {rule!r}")
    due = owed_fen + late_fee_fen
    offered = due if amount_fen is None else amount_fen
    _require_int(offered, "amount_fen")
    if offered <= 0 or offered > max_payment_fen:
        raise AmountRefused("AMOUNT_INVALID",
                            f"An amount is more than 0 and at most {max_payment_fen} fen", due)
    if rule == EXACT and offered != due:
        raise AmountRefused("AMOUNT_MUST_BE_EXACT",
                            f"This bill is paid with exactly {due} fen, not {offered}", due)
    if rule == AT_LEAST and offered < due:
        raise AmountRefused("AMOUNT_TOO_LOW", f"At least {due} fen is owed; {offered} is too little", due)
    return Charge(offered, owed_fen, late_fee_fen, offered - due)


# --- formats ---------------------------------------------------------------------------------------
def valid_account_number(value: str) -> bool:
    """A 户号 (State Grid style) is exactly 10 ASCII digits."""
    return isinstance(value, str) and _ACCOUNT_NUMBER_RE.fullmatch(value) is not None


def valid_pay_code(value: str) -> bool:
    """A 缴款识别码 is 8-32 upper-case ASCII letters and digits; lower case is not folded."""
    return isinstance(value, str) and _PAY_CODE_RE.fullmatch(value) is not None
