"""Payments and their fiscal e-bill receipts.

States: ``succeeded`` (the bill is settled, a receipt exists), ``failed`` (the channel refused or
timed out: nothing was charged) and ``pending`` (sent to the channel, no answer yet). The unique
partial index ``payments_one_success_per_bill`` lets the database refuse a second successful
payment of one bill; failed and pending attempts may be many.
"""
from __future__ import annotations

from .db import Database, Row, and_equal

SUCCEEDED = "succeeded"
FAILED = "failed"
PENDING = "pending"

_BILL_SUMMARY = (
    "b.family AS bill_family, b.kind AS bill_kind, b.agency AS bill_agency, b.item AS bill_item, "
    "b.period AS bill_period, b.citizen_id AS bill_person_id, b.payer_name AS bill_payer_name, "
    "b.pay_code AS bill_pay_code, b.account_number AS bill_account_number"
)


_COLUMNS = ("id", "citizen_id", "bill_id", "payer_id", "amount_fen", "owed_fen", "late_fee_fen", "prepaid_fen",
            "status", "channel", "created_at", "completed_at")
_INSERT = f"INSERT INTO payments ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"


def _insert(db: Database, *, payment_id: str, citizen_id: str, bill_id: str, payer_id: str, amount_fen: int,
            owed_fen: int, late_fee_fen: int, prepaid_fen: int, status: str, channel: str, created_at: str,
            completed_at: str | None) -> Row:
    row = {"id": payment_id, "citizen_id": citizen_id, "bill_id": bill_id, "payer_id": payer_id,
           "amount_fen": amount_fen, "owed_fen": owed_fen, "late_fee_fen": late_fee_fen, "prepaid_fen": prepaid_fen,
           "status": status, "channel": channel, "created_at": created_at, "completed_at": completed_at}
    with db.write():
        db.execute(_INSERT, tuple(row.values()))
    return row


def next_numbers(db: Database, payment_counter: str, receipt_counter: str) -> tuple[int, int]:
    """The next values of the payment counter and the receipt counter, bumped in one statement (the
    ``counters.next_value`` rule for two names). Call in the payment's write transaction: a rollback
    gives both numbers back."""
    with db.write():
        rows = db.all(
            "INSERT INTO counters (name, value) VALUES (?, 1), (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING name, value",
            (payment_counter, receipt_counter))
    values = {r["name"]: r["value"] for r in rows}
    return values[payment_counter], values[receipt_counter]


def record_succeeded(db: Database, *, payment_id: str, citizen_id: str, bill_id: str, payer_id: str,
                     amount_fen: int, owed_fen: int, late_fee_fen: int, prepaid_fen: int, channel: str,
                     now_iso: str) -> Row:
    """A payment the channel accepted; answers the row as stored. Call in the transaction that
    settles the bill: a second success for the same bill violates ``payments_one_success_per_bill``
    (IntegrityError)."""
    return _insert(db, payment_id=payment_id, citizen_id=citizen_id, bill_id=bill_id, payer_id=payer_id,
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


_RECEIPT_COLUMNS = ("payment_id", "bill_code", "bill_number", "check_code", "issued_at", "amount_fen",
                    "amount_in_words", "payer_name", "agency", "item")
_INSERT_RECEIPT = (f"INSERT INTO receipts ({', '.join(_RECEIPT_COLUMNS)}) "
                   f"VALUES ({', '.join('?' for _ in _RECEIPT_COLUMNS)})")


def add_receipt(db: Database, payment_id: str, receipt: dict) -> Row:
    """Store the fiscal e-bill of a successful payment (fields of ``domain.fiscal_bill.make_receipt``);
    answers the row as stored."""
    row = {"payment_id": payment_id, **{k: receipt[k] for k in _RECEIPT_COLUMNS[1:]}}
    with db.write():
        db.execute(_INSERT_RECEIPT, tuple(row.values()))
    return row


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
    sql = and_equal(sql, params, {"b.family": family})
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
