"""The hospital catalogue: hospitals, departments, doctors, and the schedule of sessions and windows.

Read-only; the booking writes live in ``appointments``. The schedule of a department-day is two
queries in one read snapshot (sessions, then windows), however many doctors, sessions and windows it
holds; they answer plain tuples, not dicts, since the schedule is a hot read.
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


# The schedule, as plain tuples (the hot read: no dict per row). Sessions come first, with their doctor
# and waitlist count, ordered by doctor and period; a department with no session that day gives one row
# of NULLs (LEFT JOIN), a missing department gives none: the department look-up is folded in.
_SCHEDULE_SESSIONS = (
    "SELECT s.id, s.period, r.id, r.name, r.title, r.specialty, r.fee_fen, "
    "(SELECT COUNT(*) FROM waitlist_entries e WHERE e.session_id = s.id AND e.status = 'waiting') "
    "FROM departments d "
    "LEFT JOIN clinic_sessions s ON s.department_id = d.id AND s.date = ? "
    "LEFT JOIN doctors r ON r.id = s.doctor_id "
    "WHERE d.id = ? ORDER BY r.id, s.period"
)
_SCHEDULE_WINDOWS = (
    "SELECT w.session_id, w.id, w.starts_at, w.ends_at, w.capacity, w.booked "
    "FROM clinic_sessions s JOIN time_windows w ON w.session_id = s.id "
    "WHERE s.department_id = ? AND s.date = ? ORDER BY w.session_id, w.starts_at, w.id"
)


def schedule_tables(db: Database, department_id: str, day: str) -> tuple[list[tuple], list[tuple]] | None:
    """The sessions and the windows of a department on ``day``, read in one snapshot; None when no
    department has this id.

    Sessions ``(session_id, period, doctor_id, doctor_name, doctor_title, specialty, fee_fen, waiting)``
    by doctor id then period; windows ``(session_id, window_id, starts_at, ends_at, capacity, booked)``
    by session, start time and id. A session without windows is the caller's to skip.
    """
    with db.read():  # one snapshot for both, and the connection's lock while the cursor is in use
        cursor = db.conn.cursor()
        cursor.row_factory = None  # tuples
        sessions = cursor.execute(_SCHEDULE_SESSIONS, (day, department_id)).fetchall()
        if not sessions:
            return None
        if sessions[0][0] is None:  # the department has no session that day
            return [], []
        return sessions, cursor.execute(_SCHEDULE_WINDOWS, (department_id, day)).fetchall()
