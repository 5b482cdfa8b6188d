"""The text in a receipt's QR code: what a counter or an auditor needs to check a fiscal e-bill.

`ZLBFB1.<bill code>.<bill number>.<check code>.<amount in fen>.<YYYYMMDD>`: upper-case letters,
digits and dots only, so the code stays in QR alphanumeric mode (a version 3 symbol, like the
show code). The check code is the backend's HMAC over code, number and amount: changing any of
them breaks it.
"""
from __future__ import annotations

from .bill_labels import local_time

PREFIX = "ZLBFB1"


def receipt_payload(receipt) -> str:
    issued = local_time(receipt.issued_at).strftime("%Y%m%d")
    return ".".join((PREFIX, receipt.bill_code, receipt.bill_number, receipt.check_code.upper(),
                     str(receipt.amount_fen), issued))
