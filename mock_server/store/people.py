"""Citizens and the family members they may act for."""
from __future__ import annotations

from .db import Database, Row


def by_id(db: Database, citizen_id: str) -> Row | None:
    return db.one("SELECT * FROM citizens WHERE id = ?", (citizen_id,))


def by_phone(db: Database, phone: str) -> Row | None:
    return db.one("SELECT * FROM citizens WHERE phone = ?", (phone,))


def by_id_number(db: Database, id_number: str) -> Row | None:
    return db.one("SELECT * FROM citizens WHERE id_number = ?", (id_number,))


def family_of(db: Database, citizen_id: str) -> list[Row]:
    """The relatives ``citizen_id`` acts for, with the relation, in a stable order."""
    return db.all(
        "SELECT c.*, f.relation FROM family_links f JOIN citizens c ON c.id = f.member_id "
        "WHERE f.citizen_id = ? ORDER BY c.id",
        (citizen_id,),
    )


def may_act_for(db: Database, citizen_id: str, person_id: str) -> bool:
    """True for oneself and for one's registered family members."""
    if citizen_id == person_id:
        return True
    return db.one("SELECT 1 AS ok FROM family_links WHERE citizen_id = ? AND member_id = ?",
                  (citizen_id, person_id)) is not None


def people_of(db: Database, citizen_id: str) -> list[str]:
    """Oneself and one's family members: whose objects a citizen may see."""
    return [citizen_id] + [r["id"] for r in family_of(db, citizen_id)]
