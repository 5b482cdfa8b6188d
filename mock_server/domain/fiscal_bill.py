"""The fiscal e-bill (财政电子票据) issued for a successful payment.

- bill code (票据代码): 8 digits, "33" (Zhejiang) + 6 digits derived from the collecting agency, so
  every receipt of one agency has the same code;
- bill number (票据号码): 10 digits from a counter, unique in the sandbox;
- check code (校验码): 6 upper-case hex characters, an HMAC under the sandbox secret of the code,
  the number and the amount, so a receipt cannot be forged or altered without the secret;
- the amount in capital characters (人民币壹仟肆佰零玖元伍角).
"""
from __future__ import annotations

import hashlib
import hmac

from .money import amount_in_capitals

REGION_PREFIX = "33"
BILL_CODE_LENGTH = 8
BILL_NUMBER_LENGTH = 10
CHECK_CODE_LENGTH = 6
_DOMAIN = b"ZLB-FISCAL-BILL."  # keeps these HMACs apart from the other uses of the sandbox secret


def _require_int(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")


def bill_code(agency: str) -> str:
    """The 8-digit bill code of an agency: "33" + 6 digits derived from its name."""
    if not isinstance(agency, str):
        raise TypeError("agency must be a str")
    if not agency:
        raise ValueError("agency must not be empty")
    width = BILL_CODE_LENGTH - len(REGION_PREFIX)
    digest = hashlib.sha256(agency.encode("utf-8")).digest()
    return REGION_PREFIX + f"{int.from_bytes(digest[:8], 'big') % 10 ** width:0{width}d}"


def bill_number(sequence: int) -> str:
    """The 10-digit bill number of the ``sequence``-th receipt (1-based)."""
    _require_int(sequence, "sequence")
    if not 1 <= sequence < 10 ** BILL_NUMBER_LENGTH:
        raise ValueError(f"sequence must be in 1..{10 ** BILL_NUMBER_LENGTH - 1}")
    return f"{sequence:0{BILL_NUMBER_LENGTH}d}"


def check_code(secret: bytes, code: str, number: str, amount_fen: int) -> str:
    """6 upper-case hex characters of HMAC-SHA256 over code, number and amount."""
    if not isinstance(secret, (bytes, bytearray)):
        raise TypeError("secret must be bytes")
    if not secret:
        raise ValueError("secret must not be empty")
    _require_int(amount_fen, "amount_fen")
    message = _DOMAIN + f"{code}|{number}|{amount_fen}".encode("ascii")
    return hmac.new(bytes(secret), message, hashlib.sha256).hexdigest()[:CHECK_CODE_LENGTH].upper()


def verify_check_code(secret: bytes, code: str, number: str, amount_fen: int, given: str) -> bool:
    """True if ``given`` is the check code of this receipt."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(check_code(secret, code, number, amount_fen), given)


def make_receipt(*, secret: bytes, sequence: int, issued_at: str, amount_fen: int, payer_name: str,
                 agency: str, item: str) -> dict:
    """Every field of a fiscal e-bill, ready to store and show."""
    _require_int(amount_fen, "amount_fen")
    if amount_fen <= 0:
        raise ValueError("amount_fen must be positive")
    code = bill_code(agency)
    number = bill_number(sequence)
    return {
        "bill_code": code,
        "bill_number": number,
        "check_code": check_code(secret, code, number, amount_fen),
        "issued_at": issued_at,
        "amount_fen": amount_fen,
        "amount_in_words": amount_in_capitals(amount_fen),
        "payer_name": payer_name,
        "agency": agency,
        "item": item,
    }
