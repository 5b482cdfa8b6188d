"""The hospital catalogue: hospitals, departments, doctors, and the schedule of sessions and windows.

Read-only; the booking writes live in ``appointments``. The schedule of a department-day is one query
(plus the department look-up), however many doctors, sessions and windows it holds.
"""
from __future__ import annotations

from .db import Database, Row

_HOSPITAL_COLUMNS = (
    "h.id, h.name, h.short_name, h.level, h.district, h.address, h.phone, "
    "(SELECT COUNT(*) FROM departments d WHERE d.hospital_id = h.id) AS department_count"
)
_DEPARTMENT_COLUMNS = (
    "d.id, d.hospital_id, d.name, d.category, d.location, d.intro, "
    "(SELECT COUNT(*) FROM doctors r WHERE r.department_id = d.id) AS doctor_count"
)


def _like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards taken literally (used with ``ESCAPE '\\'``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_hospitals(db: Database, query: str | None = None) -> list[Row]:
    """Every hospital, or those whose name, short name or district contains ``query``."""
    sql = f"SELECT {_HOSPITAL_COLUMNS} FROM hospitals h"
    params: list = []
    if query:
        pattern = _like_pattern(query)
        sql += (" WHERE h.name LIKE ? ESCAPE '\\' OR h.short_name LIKE ? ESCAPE '\\'"
                " OR h.district LIKE ? ESCAPE '\\'")
        params = [pattern, pattern, pattern]
    return db.all(sql + " ORDER BY h.id", params)


def hospital(db: Database, hospital_id: str) -> Row | None:
    return db.one(f"SELECT {_HOSPITAL_COLUMNS} FROM hospitals h WHERE h.id = ?", (hospital_id,))


def departments_of(db: Database, hospital_id: str) -> list[Row]:
    return db.all(f"SELECT {_DEPARTMENT_COLUMNS} FROM departments d WHERE d.hospital_id = ? ORDER BY d.id",
                  (hospital_id,))


def department(db: Database, department_id: str) -> Row | None:
    """A department with its hospital's name and short name."""
    return db.one(
        f"SELECT {_DEPARTMENT_COLUMNS}, h.name AS hospital_name, h.short_name AS hospital_short_name "
        "FROM departments d JOIN hospitals h ON h.id = d.hospital_id WHERE d.id = ?",
        (department_id,))


def doctors_of(db: Database, department_id: str) -> list[Row]:
    return db.all("SELECT id, department_id, name, title, specialty, fee_fen FROM doctors "
                  "WHERE department_id = ? ORDER BY id", (department_id,))


def doctor(db: Database, doctor_id: str) -> Row | None:
    """A doctor with their department and hospital."""
    return db.one(
        "SELECT r.id, r.name, r.title, r.specialty, r.fee_fen, d.id AS department_id, d.name AS department_name, "
        "h.id AS hospital_id, h.name AS hospital_name, h.short_name AS hospital_short_name "
        "FROM doctors r JOIN departments d ON d.id = r.department_id JOIN hospitals h ON h.id = d.hospital_id "
        "WHERE r.id = ?",
        (doctor_id,))


def capacity_by_day(db: Database, department_id: str, first_day: str, last_day: str) -> dict[str, Row]:
    """date -> {total, remaining}: the department's window capacity per day in [first_day, last_day]."""
    rows = db.all(
        "SELECT s.date, SUM(w.capacity) AS total, SUM(w.capacity - w.booked) AS remaining "
        "FROM clinic_sessions s JOIN time_windows w ON w.session_id = s.id "
        "WHERE s.department_id = ? AND s.date >= ? AND s.date <= ? GROUP BY s.date",
        (department_id, first_day, last_day))
    return {r["date"]: r for r in rows}


def schedule_rows(db: Database, department_id: str, day: str) -> list[Row]:
    """One row per window of the department that day, with its session, doctor and waitlist count,
    ordered by doctor, period and start time: one query for the whole schedule."""
    return db.all(
        "SELECT r.id AS doctor_id, r.name AS doctor_name, r.title AS doctor_title, r.specialty, r.fee_fen, "
        "s.id AS session_id, s.period, COALESCE(q.waiting, 0) AS waiting, "
        "w.id AS window_id, w.starts_at, w.ends_at, w.capacity, w.booked "
        "FROM clinic_sessions s "
        "JOIN doctors r ON r.id = s.doctor_id "
        "JOIN time_windows w ON w.session_id = s.id "
        "LEFT JOIN (SELECT e.session_id, COUNT(*) AS waiting FROM waitlist_entries e "
        "           JOIN clinic_sessions es ON es.id = e.session_id "
        "           WHERE e.status = 'waiting' AND es.department_id = ? AND es.date = ? "
        "           GROUP BY e.session_id) q ON q.session_id = s.id "
        "WHERE s.department_id = ? AND s.date = ? "
        "ORDER BY r.id, s.period, w.starts_at, w.id",
        (department_id, day, department_id, day))
