"""What a person types when paying, checked as it is typed: 户号, 缴款识别码, an amount, a day.

The formats are the backend's (a 户号 is exactly 10 digits; a payment code 8-32 upper-case letters and
digits, lower case not folded; amounts in yuan with at most 2 decimals, turned into integer fen here
and never through float). Each check answers a `Check` whose `message_key` the screen shows.
"""
from __future__ import annotations

import re
from datetime import date

from .validation import Check

ACCOUNT_NUMBER_LENGTH = 10
PAY_CODE_MIN_LENGTH = 8
PAY_CODE_MAX_LENGTH = 32
MAX_PAYMENT_FEN = 100_000_000
"""The largest single payment the backend takes (1,000,000 yuan)."""
AMOUNT_MAX_CHARS = 13
DAY_LENGTH = 10

_YUAN = re.compile(r"([0-9]+)(?:\.([0-9]*))?")
_ASCII_UPPER_OR_DIGIT = re.compile(r"[A-Z0-9]*")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_account_number(text: str) -> Check:
    """A 户号: digits only, exactly ten of them."""
    value = text.strip()
    if not value:
        return Check(False)
    if not (value.isascii() and value.isdigit()):
        return Check(False, "validate.account_number_digits")
    if len(value) < ACCOUNT_NUMBER_LENGTH:
        return Check(False, "validate.account_number_incomplete", {"left": ACCOUNT_NUMBER_LENGTH - len(value)})
    if len(value) > ACCOUNT_NUMBER_LENGTH:
        return Check(False, "validate.account_number_length", {"length": ACCOUNT_NUMBER_LENGTH})
    return Check(True, "validate.format_ok")


def check_pay_code(text: str) -> Check:
    """A 缴款识别码: upper-case letters and digits, 8 to 32 of them."""
    value = text.strip()
    if not value:
        return Check(False)
    if value.isascii() and any(c.islower() for c in value):
        return Check(False, "validate.pay_code_lower")
    if not _ASCII_UPPER_OR_DIGIT.fullmatch(value):
        return Check(False, "validate.pay_code_chars")
    if len(value) < PAY_CODE_MIN_LENGTH:
        return Check(False, "validate.pay_code_short", {"left": PAY_CODE_MIN_LENGTH - len(value)})
    if len(value) > PAY_CODE_MAX_LENGTH:
        return Check(False, "validate.pay_code_long", {"max": PAY_CODE_MAX_LENGTH})
    return Check(True, "validate.format_ok")


def yuan_input(fen: int) -> str:
    """Fen as typed in an amount field: 27224 -> '272.24' (no separators)."""
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}"


def parse_yuan(text: str) -> int | None:
    """'272.24' -> 27224 fen; None for anything that is not yuan with at most 2 decimals."""
    match = _YUAN.fullmatch(text.strip())
    if match is None or len(match.group(1)) > 12:
        return None
    cents = match.group(2) or ""
    if len(cents) > 2:
        return None
    return int(match.group(1)) * 100 + int(cents.ljust(2, "0"))


def check_amount(text: str, due_fen: int, *, max_fen: int = MAX_PAYMENT_FEN) -> tuple[Check, int | None]:
    """An amount for a bill that takes at least `due_fen`: the check and, when it passes, the fen."""
    from .money import yuan

    value = text.strip()
    if not value:
        return Check(False, "validate.amount_empty"), None
    match = _YUAN.fullmatch(value)
    if match is None:
        return Check(False, "validate.amount_format"), None
    if len(match.group(2) or "") > 2:
        return Check(False, "validate.amount_fraction"), None
    fen = parse_yuan(value)
    if fen is None or fen <= 0:
        return Check(False, "validate.amount_format"), None
    if fen > max_fen:
        return Check(False, "validate.amount_too_high", {"max": yuan(max_fen)}), None
    if fen < due_fen:
        return Check(False, "validate.amount_below_due", {"due": yuan(due_fen)}), None
    return Check(True), fen


def check_day(text: str) -> tuple[Check, date | None]:
    """An optional day typed as YYYY-MM-DD: empty passes (no limit)."""
    value = text.strip()
    if not value:
        return Check(True), None
    if not _DAY.fullmatch(value):
        return Check(False, "validate.day_format"), None
    try:
        return Check(True), date.fromisoformat(value)
    except ValueError:
        return Check(False, "validate.day_invalid"), None
