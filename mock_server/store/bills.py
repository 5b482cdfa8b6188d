"""Bills, utility providers and accounts, and who may see which bill.

A citizen sees the bills of themself and their family members, plus the bills granted to them in
``bill_access`` when they looked one up by 户号 or payment code. Every bill row this module answers
carries its provider, its account's customer type and, once paid, a few facts of its payment.
"""
from __future__ import annotations

from typing import Sequence

from .db import Database, Row, and_equal

_BILL_COLUMNS = (
    "b.*, p.name AS provider_name, p.city_code AS provider_city_code, p.city_name AS provider_city_name, "
    "a.customer_type AS customer_type, pm.citizen_id AS paid_by, pm.late_fee_fen AS paid_late_fee_fen, "
    "pm.completed_at AS paid_at"
)
_BILL_FROM = (
    " FROM bills b"
    " LEFT JOIN utility_providers p ON p.id = b.provider_id"
    " LEFT JOIN utility_accounts a ON a.provider_id = b.provider_id AND a.account_number = b.account_number"
    " LEFT JOIN payments pm ON pm.id = b.paid_payment_id"
)
# Unpaid first; unpaid ones by due date (so the overdue ones lead); paid ones latest due first.
_BILL_ORDER = (
    " ORDER BY CASE WHEN b.status = 'unpaid' THEN 0 ELSE 1 END,"
    " CASE WHEN b.status = 'unpaid' THEN b.due_date ELSE '' END, b.due_date DESC, b.id"
)


# Who may see a bill: the citizen it names, a citizen it names as a family member (``family_links``,
# as ``people.people_of`` reads them), or a citizen it was granted to (``bill_access``). Three ``?``,
# each the viewing citizen's id. Written as three index look-ups joined by OR (bills_by_citizen,
# family_links, bill_access) so that listing a citizen's bills never scans the table of bills.
_VISIBLE_TO = (
    "(b.citizen_id = ?"
    " OR b.citizen_id IN (SELECT f.member_id FROM family_links f WHERE f.citizen_id = ?)"
    " OR b.id IN (SELECT x.bill_id FROM bill_access x WHERE x.citizen_id = ?))"
)


# --- bills -----------------------------------------------------------------------------------------
def list_visible(db: Database, citizen_id: str, *, status: str | None = None, family: str | None = None,
                 person_id: str | None = None) -> list[Row]:
    """The bills a citizen may see, filtered; ``status`` None means paid and unpaid alike."""
    sql = f"SELECT {_BILL_COLUMNS}{_BILL_FROM} WHERE {_VISIBLE_TO}"
    params: list = [citizen_id, citizen_id, citizen_id]
    sql = and_equal(sql, params, {"b.status": status, "b.family": family, "b.citizen_id": person_id})
    return db.all(sql + _BILL_ORDER, params)


def get_visible(db: Database, citizen_id: str, bill_id: str) -> Row | None:
    """One bill if the citizen may see it, else None (missing and not visible look the same)."""
    return db.one(f"SELECT {_BILL_COLUMNS}{_BILL_FROM} WHERE b.id = ? AND {_VISIBLE_TO}",
                  (bill_id, citizen_id, citizen_id, citizen_id))


def get(db: Database, bill_id: str) -> Row | None:
    """One bill whoever it belongs to (for the payer's view of a payment)."""
    return db.one(f"SELECT {_BILL_COLUMNS}{_BILL_FROM} WHERE b.id = ?", (bill_id,))


def unpaid_of_account(db: Database, provider_id: str, account_number: str) -> list[Row]:
    return db.all(f"SELECT {_BILL_COLUMNS}{_BILL_FROM} WHERE b.provider_id = ? AND b.account_number = ? "
                  f"AND b.status = 'unpaid'{_BILL_ORDER}", (provider_id, account_number))


def by_pay_code(db: Database, pay_code: str) -> Row | None:
    return db.one(f"SELECT {_BILL_COLUMNS}{_BILL_FROM} WHERE b.pay_code = ?", (pay_code,))


def grant_access(db: Database, citizen_id: str, bill_ids: Sequence[str], now_iso: str) -> None:
    """Let a citizen see (and pay) bills they looked up; granting twice changes nothing."""
    with db.write():
        for bill_id in bill_ids:
            db.execute("INSERT INTO bill_access (citizen_id, bill_id, granted_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (citizen_id, bill_id) DO NOTHING", (citizen_id, bill_id, now_iso))


def mark_paid(db: Database, bill_id: str, payment_id: str) -> bool:
    """Settle an unpaid bill; False if it is paid already. Call inside the payment's transaction:
    the condition on the status is what makes a bill be charged at most once."""
    with db.write():
        return db.execute("UPDATE bills SET status = 'paid', paid_payment_id = ? WHERE id = ? AND status = 'unpaid'",
                          (payment_id, bill_id)) == 1


# --- providers and accounts ------------------------------------------------------------------------
def providers(db: Database, *, city_code: str | None = None, kind: str | None = None) -> list[Row]:
    params: list = []
    sql = and_equal("SELECT id, name, kind, city_code, city_name FROM utility_providers WHERE 1 = 1", params,
                    {"city_code": city_code, "kind": kind})
    return db.all(sql + " ORDER BY city_code, id", params)


def provider(db: Database, provider_id: str) -> Row | None:
    return db.one("SELECT id, name, kind, city_code, city_name FROM utility_providers WHERE id = ?", (provider_id,))


def account(db: Database, provider_id: str, account_number: str) -> Row | None:
    return db.one("SELECT * FROM utility_accounts WHERE provider_id = ? AND account_number = ?",
                  (provider_id, account_number))


def add_prepaid(db: Database, provider_id: str, account_number: str, fen: int) -> bool:
    """Credit a surplus to an account's prepaid balance; False if there is no such account."""
    with db.write():
        return db.execute("UPDATE utility_accounts SET prepaid_fen = prepaid_fen + ? "
                          "WHERE provider_id = ? AND account_number = ?", (fen, provider_id, account_number)) == 1
