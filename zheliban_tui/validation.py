"""Checks of what a person types, as they type: the same formats the backend enforces.

Each check answers `Check(ok, message_key, values)`; the screen shows `t(message_key, **values)`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PHONE_LENGTH = 11
ID_NUMBER_LENGTH = 18
CODE_LENGTH = 6
PIN_LENGTH = 6

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Check:
    ok: bool
    message_key: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def normalize_phone(text: str) -> str:
    """Drop spaces and dashes and a +86 / 0086 prefix, as the backend does."""
    digits = re.sub(r"[\s-]", "", text)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits


def check_phone(text: str) -> Check:
    phone = normalize_phone(text)
    if not phone:
        return Check(False)
    if not phone.isdigit() or not phone.isascii():
        return Check(False, "validate.phone_digits")
    if phone[0] != "1" or (len(phone) > 1 and phone[1] not in "3456789"):
        return Check(False, "validate.phone_prefix")
    if len(phone) < PHONE_LENGTH:
        return Check(False, "validate.phone_incomplete", {"left": PHONE_LENGTH - len(phone)})
    if len(phone) > PHONE_LENGTH:
        return Check(False, "validate.phone_digits")
    return Check(True, "validate.phone_ok")


def check_code(text: str) -> Check:
    code = text.strip()
    ok = len(code) == CODE_LENGTH and code.isdigit() and code.isascii()
    return Check(ok, None if ok else "validate.code_format")


def id_number_valid(text: str) -> bool:
    """18 characters, a real birth date and the right check character (GB 11643)."""
    s = text.strip().upper()
    if len(s) != ID_NUMBER_LENGTH or not s[:17].isdigit() or not s[:17].isascii():
        return False
    year, month, day = int(s[6:10]), int(s[10:12]), int(s[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return False
    days = [31, 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month - 1]
    if not 1 <= day <= days:
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == s[17]


def check_account(text: str) -> Check:
    """A password login takes a mobile number or an ID number."""
    value = text.strip()
    if check_phone(value).ok or id_number_valid(value):
        return Check(True)
    return Check(False, "validate.account_format" if value else None)


def check_password(text: str) -> Check:
    return Check(bool(text), None if text else "validate.password_empty")


def check_pin(text: str) -> Check:
    ok = len(text) == PIN_LENGTH and text.isdigit() and text.isascii()
    return Check(ok, None if ok else "validate.pin_format")
