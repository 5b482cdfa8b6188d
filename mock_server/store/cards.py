"""E-social-security cards and their show codes (展码)."""
from __future__ import annotations

from .db import Database, Row

_CARD_WITH_HOLDER = (
    "SELECT k.*, c.name AS holder_name, c.id_number AS holder_id_number, c.gender AS holder_gender, "
    "f.relation AS relation "
    "FROM cards k JOIN citizens c ON c.id = k.citizen_id "
    "LEFT JOIN family_links f ON f.member_id = k.citizen_id AND f.citizen_id = ? "
)


def visible_to(db: Database, citizen_id: str) -> list[Row]:
    """The citizen's own card and their family members' cards: own first, then by holder id.

    ``relation`` is None for the citizen's own card.
    """
    return db.all(
        _CARD_WITH_HOLDER
        + "WHERE k.citizen_id = ? OR f.citizen_id IS NOT NULL "
        "ORDER BY CASE WHEN k.citizen_id = ? THEN 0 ELSE 1 END, k.citizen_id",
        (citizen_id, citizen_id, citizen_id))


def get_visible(db: Database, citizen_id: str, card_id: str) -> Row | None:
    """One card if it is the citizen's or a family member's; None if missing or anyone else's."""
    return db.one(
        _CARD_WITH_HOLDER + "WHERE k.id = ? AND (k.citizen_id = ? OR f.citizen_id IS NOT NULL)",
        (citizen_id, card_id, citizen_id))


def get(db: Database, card_id: str) -> Row | None:
    """A card with its holder, whoever holds it (the counter's view when a code is scanned)."""
    return db.one(
        "SELECT k.*, c.name AS holder_name, c.id_number AS holder_id_number, c.gender AS holder_gender "
        "FROM cards k JOIN citizens c ON c.id = k.citizen_id WHERE k.id = ?",
        (card_id,))


# --- show codes ---------------------------------------------------------------------------------
def issue_qr(db: Database, qr_id: str, card_id: str, numeric_code: str, issued_at: str, expires_at: str) -> None:
    """Store a new code; the card's earlier unused, unexpired codes are superseded in the same write."""
    with db.write():
        db.execute(
            "UPDATE qr_codes SET superseded_at = ? WHERE card_id = ? AND used_at IS NULL "
            "AND superseded_at IS NULL AND expires_at > ?",
            (issued_at, card_id, issued_at))
        db.execute(
            "INSERT INTO qr_codes (id, card_id, numeric_code, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (qr_id, card_id, numeric_code, issued_at, expires_at))


def qr_by_id(db: Database, qr_id: str) -> Row | None:
    return db.one("SELECT * FROM qr_codes WHERE id = ?", (qr_id,))


def qr_by_numeric_code(db: Database, numeric_code: str) -> Row | None:
    return db.one("SELECT * FROM qr_codes WHERE numeric_code = ?", (numeric_code,))


def use_qr(db: Database, qr_id: str, now_iso: str, used_by: str | None) -> bool:
    """Mark a live code used; False if it was used, superseded or expired meanwhile (one winner)."""
    with db.write():
        return db.execute(
            "UPDATE qr_codes SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL "
            "AND superseded_at IS NULL AND expires_at > ?",
            (now_iso, used_by, qr_id, now_iso)) == 1
