"""Payments and their fiscal e-bill receipts.

States: ``succeeded`` (the bill is settled, a receipt exists), ``failed`` (the channel refused or
timed out: nothing was charged) and ``pending`` (sent to the channel, no answer yet). The unique
partial index ``payments_one_success_per_bill`` lets the database refuse a second successful
payment of one bill; failed and pending attempts may be many.
"""
from __future__ import annotations

from .db import Database, Row

SUCCEEDED = "succeeded"
FAILED = "failed"
PENDING = "pending"

_BILL_SUMMARY = (
    "b.family AS bill_family, b.kind AS bill_kind, b.agency AS bill_agency, b.item AS bill_item, "
    "b.period AS bill_period, b.citizen_id AS bill_person_id, b.payer_name AS bill_payer_name, "
    "b.pay_code AS bill_pay_code, b.account_number AS bill_account_number"
)


def _insert(db: Database, *, payment_id: str, citizen_id: str, bill_id: str, payer_id: str, amount_fen: int,
            owed_fen: int, late_fee_fen: int, prepaid_fen: int, status: str, channel: str, created_at: str,
            completed_at: str | None) -> None:
    with db.write():
        db.execute(
            "INSERT INTO payments (id, citizen_id, bill_id, payer_id, amount_fen, owed_fen, late_fee_fen, prepaid_fen, "
            "status, channel, created_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (payment_id, citizen_id, bill_id, payer_id, amount_fen, owed_fen, late_fee_fen, prepaid_fen, status,
             channel, created_at, completed_at))


def record_succeeded(db: Database, *, payment_id: str, citizen_id: str, bill_id: str, payer_id: str,
                     amount_fen: int, owed_fen: int, late_fee_fen: int, prepaid_fen: int, channel: str,
                     now_iso: str) -> None:
    """A payment the channel accepted. Call in the transaction that settles the bill: a second
    success for the same bill violates ``payments_one_success_per_bill`` (IntegrityError)."""
    _insert(db, payment_id=payment_id, citizen_id=citizen_id, bill_id=bill_id, payer_id=payer_id,
            amount_fen=amount_fen, owed_fen=owed_fen, late_fee_fen=late_fee_fen, prepaid_fen=prepaid_fen,
            status=SUCCEEDED, channel=channel, created_at=now_iso, completed_at=now_iso)


def record_failed_attempt(db: Database, *, payment_id: str, citizen_id: str, bill_id: str, payer_id: str,
                          amount_fen: int, owed_fen: int, late_fee_fen: int, prepaid_fen: int, channel: str,
                          created_at: str, now_iso: str) -> None:
    """An attempt the channel refused or never answered (e.g. a timeout): the bill stays unpaid,
    nothing is charged, and the attempt is kept for the citizen's history."""
    _insert(db, payment_id=payment_id, citizen_id=citizen_id, bill_id=bill_id, payer_id=payer_id,
            amount_fen=amount_fen, owed_fen=owed_fen, late_fee_fen=late_fee_fen, prepaid_fen=prepaid_fen,
            status=FAILED, channel=channel, created_at=created_at, completed_at=now_iso)


def add_receipt(db: Database, payment_id: str, receipt: dict) -> None:
    """Store the fiscal e-bill of a successful payment (fields of ``domain.fiscal_bill.make_receipt``)."""
    with db.write():
        db.execute(
            "INSERT INTO receipts (payment_id, bill_code, bill_number, check_code, issued_at, amount_fen, "
            "amount_in_words, payer_name, agency, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (payment_id, receipt["bill_code"], receipt["bill_number"], receipt["check_code"], receipt["issued_at"],
             receipt["amount_fen"], receipt["amount_in_words"], receipt["payer_name"], receipt["agency"],
             receipt["item"]))


def get_for(db: Database, citizen_id: str, payment_id: str) -> Row | None:
    """One payment made by ``citizen_id``; None for a missing one and for another citizen's alike."""
    return db.one("SELECT * FROM payments WHERE id = ? AND citizen_id = ?", (payment_id, citizen_id))


def receipt(db: Database, payment_id: str) -> Row | None:
    return db.one("SELECT * FROM receipts WHERE payment_id = ?", (payment_id,))


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_for(db: Database, citizen_id: str, *, family: str | None = None, query: str | None = None,
             created_from: str | None = None, created_before: str | None = None, limit: int = 50) -> list[Row]:
    """A citizen's payments, newest first, each with a summary of its bill (``bill_*`` columns).

    ``query`` is searched in the bill's item and agency; ``created_from`` (inclusive) and
    ``created_before`` (exclusive) are ISO instants.
    """
    sql = (f"SELECT pm.*, {_BILL_SUMMARY} FROM payments pm JOIN bills b ON b.id = pm.bill_id "
           "WHERE pm.citizen_id = ?")
    params: list = [citizen_id]
    if family is not None:
        sql += " AND b.family = ?"
        params.append(family)
    if query:
        pattern = _like_pattern(query)
        sql += " AND (b.item LIKE ? ESCAPE '\\' OR b.agency LIKE ? ESCAPE '\\')"
        params += [pattern, pattern]
    if created_from is not None:
        sql += " AND pm.created_at >= ?"
        params.append(created_from)
    if created_before is not None:
        sql += " AND pm.created_at < ?"
        params.append(created_before)
    sql += " ORDER BY pm.created_at DESC, pm.id DESC LIMIT ?"
    params.append(limit)
    return db.all(sql, params)
