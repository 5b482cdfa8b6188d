"""Signed, short-lived payloads for the e-social-security card show code (展码).

A payload looks like ``ZLB1.<qr_id>.<card_id>.<expiry base36>.<sig>``, made
only of upper-case letters, digits and dots so that a QR code can encode it
in alphanumeric mode at a small version. ``sig`` is the first 16 bytes of
HMAC-SHA256 over everything before the last dot, in base32 without padding.
Expiry is carried and signed but not checked here: the caller compares it
with its own clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

PREFIX = "ZLB1"
SIG_BYTES = 16
MAX_FIELD_LENGTH = 16
MAX_EXPIRY_DIGITS = 8  # base36; up to 36**8 - 1, far beyond any real epoch
NUMERIC_CODE_LENGTH = 18
NUMERIC_CODE_LEAD = "9"

_FIELD_RE = re.compile(rf"[0-9A-Z]{{1,{MAX_FIELD_LENGTH}}}")
_EXPIRY_RE = re.compile(rf"0|[1-9A-Z][0-9A-Z]{{0,{MAX_EXPIRY_DIGITS - 1}}}")
_SIG_LENGTH = len(base64.b32encode(bytes(SIG_BYTES)).rstrip(b"="))  # 26
_SIG_RE = re.compile(rf"[A-Z2-7]{{{_SIG_LENGTH}}}")
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NUMERIC_DOMAIN = b"ZLB1-NUM."  # keeps numeric-code HMACs apart from payload signatures


class QrPayloadError(ValueError):
    """A scanned payload was refused; ``reason`` is "malformed" or "bad_signature"."""

    REASONS = frozenset({"malformed", "bad_signature"})

    def __init__(self, reason: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown reason: {reason!r}")
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class QrClaims:
    """What a genuine payload says: which code, which card, valid until when (epoch seconds)."""

    qr_id: str
    card_id: str
    expires_at_epoch: int


def _require_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("key must be bytes")
    if not key:
        raise ValueError("key must not be empty")


def _require_field(value: str, name: str) -> None:
    if not isinstance(value, str) or not _FIELD_RE.fullmatch(value):
        raise ValueError(f"{name} must be 1-{MAX_FIELD_LENGTH} upper-case letters or digits")


def _to_base36(number: int) -> str:
    digits = []
    while True:
        number, rem = divmod(number, 36)
        digits.append(_BASE36[rem])
        if number == 0:
            return "".join(reversed(digits))


def _signature(key: bytes, body: str) -> str:
    mac = hmac.new(bytes(key), body.encode("ascii"), hashlib.sha256).digest()[:SIG_BYTES]
    return base64.b32encode(mac).decode("ascii").rstrip("=")


def sign_qr(key: bytes, qr_id: str, card_id: str, expires_at_epoch: int) -> str:
    """Build the signed payload for one show code."""
    _require_key(key)
    _require_field(qr_id, "qr_id")
    _require_field(card_id, "card_id")
    if isinstance(expires_at_epoch, bool) or not isinstance(expires_at_epoch, int):
        raise TypeError("expires_at_epoch must be an int")
    if not 0 <= expires_at_epoch < 36**MAX_EXPIRY_DIGITS:
        raise ValueError("expires_at_epoch out of range")
    body = f"{PREFIX}.{qr_id}.{card_id}.{_to_base36(expires_at_epoch)}"
    return f"{body}.{_signature(key, body)}"


def parse_qr(key: bytes, payload: str) -> QrClaims:
    """Check a payload's form and signature and return its claims (expiry NOT checked).

    Raises QrPayloadError("malformed") or QrPayloadError("bad_signature").
    """
    _require_key(key)
    if not isinstance(payload, str):
        raise QrPayloadError("malformed")
    parts = payload.split(".")
    if len(parts) != 5:
        raise QrPayloadError("malformed")
    prefix, qr_id, card_id, expiry, sig = parts
    if (
        prefix != PREFIX
        or not _FIELD_RE.fullmatch(qr_id)
        or not _FIELD_RE.fullmatch(card_id)
        or not _EXPIRY_RE.fullmatch(expiry)
        or not _SIG_RE.fullmatch(sig)
    ):
        raise QrPayloadError("malformed")
    body = payload[: -(len(sig) + 1)]
    if not hmac.compare_digest(_signature(key, body), sig):
        raise QrPayloadError("bad_signature")
    return QrClaims(qr_id=qr_id, card_id=card_id, expires_at_epoch=int(expiry, 36))


def numeric_code(key: bytes, qr_id: str) -> str:
    """An 18-digit code ("9" + 17 digits) derived from ``qr_id``, for typing at a counter."""
    _require_key(key)
    _require_field(qr_id, "qr_id")
    mac = hmac.new(bytes(key), _NUMERIC_DOMAIN + qr_id.encode("ascii"), hashlib.sha256).digest()
    width = NUMERIC_CODE_LENGTH - len(NUMERIC_CODE_LEAD)
    return NUMERIC_CODE_LEAD + str(int.from_bytes(mac, "big") % 10**width).zfill(width)
