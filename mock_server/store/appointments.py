"""Appointments and the waitlist (候补): booking, cancelling, promotion, no-show settlement, check-in.

The database is the referee, inside one ``BEGIN IMMEDIATE`` transaction per request:
- a window's capacity: ``UPDATE time_windows SET booked = booked + 1 WHERE id = ? AND booked < capacity``
  (no row changed: the window is full);
- the daily limit across hospitals: a conditional upsert of ``patient_day_bookings`` (``live < max``);
- one live booking per patient, department and day: the partial unique index
  ``appointments_one_per_department_day``; queue numbers: the unique ``(session_id, queue_number)``;
- one waiting entry per patient and session: the partial unique index ``waitlist_one_per_patient_session``.
The Python checks before them only choose the most helpful refusal; they never replace them.

A booked appointment whose window has ended becomes a no-show lazily: ``settle_*`` run before reads
and bookings.
"""
from __future__ import annotations

from datetime import date, datetime

from ..clock import iso
from ..domain import booking_rules as rules
from ..errors import ProblemError
from . import counters, people
from .db import Database, IntegrityError, Row

_SETTLE = (
    "UPDATE appointments SET status = 'no_show' WHERE {column} = ? AND status = 'booked' AND date <= ? "
    "AND EXISTS (SELECT 1 FROM time_windows w WHERE w.id = appointments.window_id AND w.ends_at <= ?)"
)

_DETAIL = (
    "SELECT a.id, a.citizen_id, a.patient_id, a.window_id, a.session_id, a.department_id, a.date, a.status, "
    "a.booking_number, a.queue_number, a.checkin_at, a.checkin_place, a.fee_fen, a.created_at, a.cancelled_at, "
    "a.from_waitlist, w.starts_at, w.ends_at, s.period, "
    "r.id AS doctor_id, r.name AS doctor_name, r.title AS doctor_title, "
    "d.name AS department_name, h.id AS hospital_id, h.name AS hospital_name, h.short_name AS hospital_short_name, "
    "p.name AS patient_name, f.relation "
    "FROM appointments a "
    "JOIN time_windows w ON w.id = a.window_id "
    "JOIN clinic_sessions s ON s.id = a.session_id "
    "JOIN doctors r ON r.id = s.doctor_id "
    "JOIN departments d ON d.id = a.department_id "
    "JOIN hospitals h ON h.id = d.hospital_id "
    "JOIN citizens p ON p.id = a.patient_id "
    "LEFT JOIN family_links f ON f.citizen_id = a.citizen_id AND f.member_id = a.patient_id "
)

_WAITLIST_DETAIL = (
    "SELECT e.id, e.seq, e.citizen_id, e.patient_id, e.session_id, e.status, e.created_at, e.appointment_id, "
    "CASE WHEN e.status = 'waiting' THEN (SELECT COUNT(*) FROM waitlist_entries o "
    "  WHERE o.session_id = e.session_id AND o.status = 'waiting' AND o.seq <= e.seq) END AS position, "
    "s.date, s.period, s.department_id, r.id AS doctor_id, r.name AS doctor_name, r.title AS doctor_title, "
    "d.name AS department_name, h.id AS hospital_id, h.name AS hospital_name, "
    "p.name AS patient_name, f.relation "
    "FROM waitlist_entries e "
    "JOIN clinic_sessions s ON s.id = e.session_id "
    "JOIN doctors r ON r.id = s.doctor_id "
    "JOIN departments d ON d.id = s.department_id "
    "JOIN hospitals h ON h.id = d.hospital_id "
    "JOIN citizens p ON p.id = e.patient_id "
    "LEFT JOIN family_links f ON f.citizen_id = e.citizen_id AND f.member_id = e.patient_id "
)


# --- no-show settlement ----------------------------------------------------------------------------
def _settle(db: Database, column: str, value: str, now_iso: str) -> int:
    with db.write():
        return db.execute(_SETTLE.format(column=column), (value, now_iso[:10], now_iso))


def settle_for_citizen(db: Database, citizen_id: str, now_iso: str) -> int:
    """Turn the citizen's booked appointments whose window has ended into no-shows."""
    return _settle(db, "citizen_id", citizen_id, now_iso)


def settle_for_patient(db: Database, patient_id: str, now_iso: str) -> int:
    return _settle(db, "patient_id", patient_id, now_iso)


def settle_appointment(db: Database, appointment_id: str, now_iso: str) -> int:
    return _settle(db, "id", appointment_id, now_iso)


# --- eligibility -----------------------------------------------------------------------------------
def live_in_department(db: Database, patient_id: str, department_id: str, day: str) -> int:
    return db.scalar(
        "SELECT COUNT(*) FROM appointments WHERE patient_id = ? AND department_id = ? AND date = ? "
        "AND status <> 'cancelled'",
        (patient_id, department_id, day))


# What eligibility needs of the patient's appointments, in one read: their no-shows since a day, those a
# settlement would turn into no-shows now (flagged: ``ended``), and their live ones in the department
# that day. The ``ended`` test is ``_SETTLE``'s condition, so the settlement runs only when it has work.
_HISTORY = (
    "SELECT a.status, a.department_id, a.date, w.ends_at, "
    "CASE WHEN a.status = 'booked' AND a.date <= ? AND w.ends_at <= ? THEN 1 ELSE 0 END AS ended "
    "FROM appointments a JOIN time_windows w ON w.id = a.window_id "
    "WHERE a.patient_id = ? AND ((a.status = 'no_show' AND a.date >= ?) "
    "OR (a.status = 'booked' AND a.date <= ? AND w.ends_at <= ?) "
    "OR (a.department_id = ? AND a.date = ? AND a.status <> 'cancelled'))"
)


def check_eligible(db: Database, patient_id: str, department_id: str, day: date, now: datetime,
                   settings) -> None:
    """Refuse a patient who may not book (or wait for) this department on this day, now.

    In order: the no-show ban, the bookable range, the release time, one booking per department a day.
    The patient's ended bookings become no-shows first (``settle_for_patient``), as every read does.
    """
    now_iso = iso(now)
    today = now_iso[:10]
    day_iso = day.isoformat()
    since = rules.no_show_history_start(now, settings).date().isoformat()
    ends: list[str] = []
    live = 0
    to_settle = False
    for row in db.all(_HISTORY, (today, now_iso, patient_id, since, today, now_iso, department_id, day_iso)):
        status = row["status"]
        if row["ended"]:
            to_settle = True
            status = "no_show"
        if status == "no_show" and row["date"] >= since:
            ends.append(row["ends_at"])
        if row["department_id"] == department_id and row["date"] == day_iso and status != "cancelled":
            live += 1
    if to_settle:
        settle_for_patient(db, patient_id, now_iso)
    until = rules.banned_until([datetime.fromisoformat(e) for e in sorted(ends)], now, settings)
    if until is not None:
        raise ProblemError("BOOKING_BANNED",
                           f"After {settings.no_show_limit} missed appointments within "
                           f"{settings.no_show_window_days} days, online booking is suspended until {iso(until)}",
                           banned_until=iso(until))
    refusal = rules.date_refusal(day, now, settings)
    if refusal == rules.OUT_OF_RANGE:
        days = rules.bookable_days(now, settings)
        raise ProblemError("DATE_OUT_OF_RANGE",
                           f"{day_iso} cannot be booked: days from {days[0].isoformat()} to "
                           f"{days[-1].isoformat()} can", date=day_iso,
                           first_day=days[0].isoformat(), last_day=days[-1].isoformat())
    if refusal == rules.NOT_YET_RELEASED:
        opens = iso(rules.opens_at(day, settings))
        raise ProblemError("NOT_YET_RELEASED", f"{day_iso} opens for booking at {opens}",
                           date=day_iso, opens_at=opens)
    if live >= settings.booking_max_per_patient_department_day:
        raise ProblemError("DUPLICATE_DEPARTMENT_BOOKING",
                           "This patient already has a booking in this department that day",
                           date=day_iso, department_id=department_id)


# --- booking ---------------------------------------------------------------------------------------
# A window with all that a booking and its view need: the session, doctor, department and hospital, the
# patient's name and, for a family member, the link that lets the citizen act for them (the rule of
# ``people.may_act_for``: oneself, or a registered family member).
_BOOKING_WINDOW = (
    "SELECT w.session_id, w.starts_at, w.ends_at, s.date, s.period, s.department_id, "
    "r.id AS doctor_id, r.name AS doctor_name, r.title AS doctor_title, r.fee_fen, "
    "d.name AS department_name, d.location, h.id AS hospital_id, h.name AS hospital_name, "
    "h.short_name AS hospital_short_name, p.name AS patient_name, f.member_id AS family_member, f.relation "
    "FROM time_windows w JOIN clinic_sessions s ON s.id = w.session_id "
    "JOIN doctors r ON r.id = s.doctor_id JOIN departments d ON d.id = s.department_id "
    "JOIN hospitals h ON h.id = d.hospital_id "
    "LEFT JOIN citizens p ON p.id = ? "
    "LEFT JOIN family_links f ON f.citizen_id = ? AND f.member_id = ? "
    "WHERE w.id = ?"
)

# The two counters a booking takes (``counters.next_value`` of each), in one statement.
_NEXT_BOOKING_COUNTERS = (
    "INSERT INTO counters (name, value) VALUES ('appointment', 1), ('booking_number', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING name, value"
)

# The queue number is the session's next one, taken in the INSERT itself; the unique index
# ``appointments_queue_number`` (session_id, queue_number) serves the MAX and guards against a repeat.
_INSERT_APPOINTMENT = (
    "INSERT INTO appointments (id, citizen_id, patient_id, window_id, session_id, department_id, date, "
    "status, booking_number, queue_number, checkin_at, checkin_place, fee_fen, created_at, from_waitlist) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 'booked', ?, "
    "(SELECT COALESCE(MAX(q.queue_number), 0) + 1 FROM appointments q WHERE q.session_id = ?), "
    "?, ?, ?, ?, ?) RETURNING queue_number"
)


def session_remaining(db: Database, session_id: str) -> int:
    return db.scalar("SELECT COALESCE(SUM(capacity - booked), 0) FROM time_windows WHERE session_id = ?",
                     (session_id,))


def waiting_count(db: Database, session_id: str) -> int:
    return db.scalar("SELECT COUNT(*) FROM waitlist_entries WHERE session_id = ? AND status = 'waiting'",
                     (session_id,))


def _take_day_slot(db: Database, patient_id: str, day: str, limit: int) -> bool:
    """Count one more live booking for the patient that day, unless ``limit`` is reached."""
    return db.execute(
        "INSERT INTO patient_day_bookings (patient_id, date, live) VALUES (?, ?, 1) "
        "ON CONFLICT (patient_id, date) DO UPDATE SET live = patient_day_bookings.live + 1 "
        "WHERE patient_day_bookings.live < ?",
        (patient_id, day, limit)) == 1


def _take_window(db: Database, window_id: str) -> bool:
    return db.execute("UPDATE time_windows SET booked = booked + 1 WHERE id = ? AND booked < capacity",
                      (window_id,)) == 1


def book(db: Database, *, citizen_id: str, patient_id: str, window_id: str, now: datetime, settings,
         from_waitlist: bool = False) -> str:
    """Book ``window_id`` for ``patient_id`` on behalf of ``citizen_id``; answer the appointment id.

    Refusals and the transaction: see ``book_detail``.
    """
    return book_detail(db, citizen_id=citizen_id, patient_id=patient_id, window_id=window_id, now=now,
                       settings=settings, from_waitlist=from_waitlist)["id"]


def book_detail(db: Database, *, citizen_id: str, patient_id: str, window_id: str, now: datetime, settings,
                from_waitlist: bool = False) -> Row:
    """Book ``window_id`` for ``patient_id`` on behalf of ``citizen_id``; answer the new appointment as
    ``get`` would (same keys and values), from what the booking read and wrote: no second read.

    Refusals, in order: WINDOW_NOT_FOUND, PATIENT_NOT_ALLOWED, BOOKING_BANNED, DATE_OUT_OF_RANGE,
    NOT_YET_RELEASED, DUPLICATE_DEPARTMENT_BOOKING, DAILY_BOOKING_LIMIT, SLOT_FULL. Everything happens
    in one write transaction (joined if one is open): a refusal leaves no trace.
    """
    with db.write():
        window = db.one(_BOOKING_WINDOW, (patient_id, citizen_id, patient_id, window_id))
        if window is None:
            raise ProblemError("WINDOW_NOT_FOUND", "No time window has this id")
        if patient_id != citizen_id and window["family_member"] is None:
            raise ProblemError("PATIENT_NOT_ALLOWED", "The patient must be yourself or one of your family members")
        day_iso = window["date"]
        day = date.fromisoformat(day_iso)
        session_id = window["session_id"]
        department_id = window["department_id"]
        check_eligible(db, patient_id, department_id, day, now, settings)
        limit = settings.booking_max_per_patient_per_day
        if not _take_day_slot(db, patient_id, day_iso, limit):
            raise ProblemError("DAILY_BOOKING_LIMIT", f"At most {limit} bookings a day for one patient",
                               date=day_iso, limit=limit)
        if not _take_window(db, window_id):
            session_full = session_remaining(db, session_id) == 0
            extra: dict = {"window_id": window_id, "session_id": session_id, "session_full": session_full}
            if session_full:
                extra["waitlist"] = {"session_id": session_id, "waiting": waiting_count(db, session_id)}
            raise ProblemError("SLOT_FULL",
                               "The whole session is full: join the waitlist (候补)" if session_full
                               else "This window is full: choose another window of the session", **extra)
        numbers = {r["name"]: r["value"] for r in db.all(_NEXT_BOOKING_COUNTERS)}
        appointment_id = f"AP{numbers['appointment']:07d}"
        booking_number = f"{day.strftime('%y%m%d')}{numbers['booking_number']:06d}"
        checkin_at = iso(rules.checkin_at(datetime.fromisoformat(window["starts_at"]), settings))
        checkin_place = f"{window['hospital_short_name']} {window['location']}"
        created_at = iso(now)
        waitlisted = 1 if from_waitlist else 0
        try:
            queue = db.all(_INSERT_APPOINTMENT,
                           (appointment_id, citizen_id, patient_id, window_id, session_id, department_id, day_iso,
                            booking_number, session_id, checkin_at, checkin_place, window["fee_fen"], created_at,
                            waitlisted))[0]["queue_number"]
        except IntegrityError:
            if live_in_department(db, patient_id, department_id, day_iso):
                raise ProblemError("DUPLICATE_DEPARTMENT_BOOKING",
                                   "This patient already has a booking in this department that day",
                                   date=day_iso, department_id=department_id) from None
            raise
        return {
            "id": appointment_id, "citizen_id": citizen_id, "patient_id": patient_id, "window_id": window_id,
            "session_id": session_id, "department_id": department_id, "date": day_iso, "status": "booked",
            "booking_number": booking_number, "queue_number": queue, "checkin_at": checkin_at,
            "checkin_place": checkin_place, "fee_fen": window["fee_fen"], "created_at": created_at,
            "cancelled_at": None, "from_waitlist": waitlisted, "starts_at": window["starts_at"],
            "ends_at": window["ends_at"], "period": window["period"], "doctor_id": window["doctor_id"],
            "doctor_name": window["doctor_name"], "doctor_title": window["doctor_title"],
            "department_name": window["department_name"], "hospital_id": window["hospital_id"],
            "hospital_name": window["hospital_name"], "hospital_short_name": window["hospital_short_name"],
            "patient_name": window["patient_name"], "relation": window["relation"],
        }


# --- reading ---------------------------------------------------------------------------------------
def get(db: Database, appointment_id: str, citizen_id: str | None = None) -> Row | None:
    """One appointment with its window, doctor, department, hospital and patient; ``citizen_id``
    restricts it to the citizen who made it (anyone else gets None, as for a missing one)."""
    if citizen_id is None:
        return db.one(_DETAIL + "WHERE a.id = ?", (appointment_id,))
    return db.one(_DETAIL + "WHERE a.id = ? AND a.citizen_id = ?", (appointment_id, citizen_id))


def list_for(db: Database, citizen_id: str) -> list[Row]:
    """Every appointment the citizen made (for self or family), by window start."""
    return db.all(_DETAIL + "WHERE a.citizen_id = ? ORDER BY w.starts_at, a.id", (citizen_id,))


# --- cancelling and promotion ----------------------------------------------------------------------
def cancel(db: Database, citizen_id: str, appointment_id: str, now: datetime, settings) -> Row:
    """Cancel a booked appointment before the deadline: free its window and the patient's day slot.

    Answers the appointment as it was (window, session, patient, date). Refusals:
    APPOINTMENT_NOT_FOUND (missing or someone else's), APPOINTMENT_NOT_ACTIVE, CANCEL_DEADLINE_PASSED.
    """
    now_iso = iso(now)
    with db.write():
        settle_appointment(db, appointment_id, now_iso)
        row = db.one("SELECT id, citizen_id, patient_id, window_id, session_id, date, status FROM appointments "
                     "WHERE id = ? AND citizen_id = ?", (appointment_id, citizen_id))
        if row is None:
            raise ProblemError("APPOINTMENT_NOT_FOUND")
        if row["status"] != "booked":
            raise ProblemError("APPOINTMENT_NOT_ACTIVE", f"The appointment is {row['status']}",
                               current_status=row["status"])
        day = date.fromisoformat(row["date"])
        if not rules.may_cancel(day, now, settings):
            deadline = iso(rules.cancel_deadline(day, settings))
            raise ProblemError("CANCEL_DEADLINE_PASSED", f"Appointments can be cancelled until {deadline}",
                               deadline=deadline)
        if db.execute("UPDATE appointments SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status = 'booked'",
                      (now_iso, appointment_id)) != 1:
            raise ProblemError("APPOINTMENT_NOT_ACTIVE")
        db.execute("UPDATE time_windows SET booked = booked - 1 WHERE id = ? AND booked > 0", (row["window_id"],))
        db.execute("UPDATE patient_day_bookings SET live = live - 1 WHERE patient_id = ? AND date = ? AND live > 0",
                   (row["patient_id"], row["date"]))
        return row


def promote_from_waitlist(db: Database, session_id: str, window_id: str, now: datetime,
                          settings) -> tuple[Row, str] | None:
    """Give a freed window to the first waiting entry of the session whose patient may book it.

    Entries that would break a rule (ban, duplicate, daily limit ...) are skipped and keep waiting.
    Answers (the entry, the new appointment id), or None when nobody could take it.
    """
    with db.write():
        waiting = db.all("SELECT * FROM waitlist_entries WHERE session_id = ? AND status = 'waiting' ORDER BY seq",
                         (session_id,))
        for entry in waiting:
            db.execute("SAVEPOINT waitlist_promotion")
            try:
                appointment_id = book(db, citizen_id=entry["citizen_id"], patient_id=entry["patient_id"],
                                      window_id=window_id, now=now, settings=settings, from_waitlist=True)
            except (ProblemError, IntegrityError):
                db.execute("ROLLBACK TO SAVEPOINT waitlist_promotion")
                db.execute("RELEASE SAVEPOINT waitlist_promotion")
                continue
            db.execute("RELEASE SAVEPOINT waitlist_promotion")
            db.execute("UPDATE waitlist_entries SET status = 'promoted', appointment_id = ? "
                       "WHERE id = ? AND status = 'waiting'", (appointment_id, entry["id"]))
            return entry, appointment_id
        return None


def attend(db: Database, appointment_id: str, now_iso: str) -> None:
    """Mark a booked appointment attended (a counter check-in). APPOINTMENT_NOT_FOUND / _NOT_ACTIVE."""
    with db.write():
        settle_appointment(db, appointment_id, now_iso)
        if db.execute("UPDATE appointments SET status = 'attended' WHERE id = ? AND status = 'booked'",
                      (appointment_id,)) == 1:
            return
        status = db.scalar("SELECT status FROM appointments WHERE id = ?", (appointment_id,))
        if status is None:
            raise ProblemError("APPOINTMENT_NOT_FOUND")
        raise ProblemError("APPOINTMENT_NOT_ACTIVE", f"The appointment is {status}", current_status=status)


# --- the waitlist ----------------------------------------------------------------------------------
def session_for_waitlist(db: Database, session_id: str) -> Row | None:
    return db.one("SELECT id, department_id, date, period FROM clinic_sessions WHERE id = ?", (session_id,))


def join_waitlist(db: Database, *, citizen_id: str, patient_id: str, session_id: str, now: datetime,
                  settings) -> str:
    """Put the patient on the session's waitlist; answer the entry id.

    Refusals, in order: SESSION_NOT_FOUND, PATIENT_NOT_ALLOWED, BOOKING_BANNED, DATE_OUT_OF_RANGE,
    NOT_YET_RELEASED, DUPLICATE_DEPARTMENT_BOOKING, SESSION_HAS_WINDOWS, ALREADY_ON_WAITLIST.
    """
    with db.write():
        session = session_for_waitlist(db, session_id)
        if session is None:
            raise ProblemError("SESSION_NOT_FOUND", "No session has this id")
        if not people.may_act_for(db, citizen_id, patient_id):
            raise ProblemError("PATIENT_NOT_ALLOWED", "The patient must be yourself or one of your family members")
        check_eligible(db, patient_id, session["department_id"], date.fromisoformat(session["date"]), now, settings)
        remaining = session_remaining(db, session_id)
        if remaining > 0:
            raise ProblemError("SESSION_HAS_WINDOWS", f"The session still has {remaining} free places: book one",
                               session_id=session_id, remaining=remaining)
        if db.one("SELECT 1 AS ok FROM waitlist_entries WHERE patient_id = ? AND session_id = ? AND status = 'waiting'",
                  (patient_id, session_id)) is not None:
            raise ProblemError("ALREADY_ON_WAITLIST", "This patient is already waiting for this session",
                               session_id=session_id)
        seq = counters.next_value(db, "waitlist")
        entry_id = f"WL{seq:07d}"
        try:
            db.execute("INSERT INTO waitlist_entries (id, seq, citizen_id, patient_id, session_id, status, created_at) "
                       "VALUES (?, ?, ?, ?, ?, 'waiting', ?)",
                       (entry_id, seq, citizen_id, patient_id, session_id, iso(now)))
        except IntegrityError:
            raise ProblemError("ALREADY_ON_WAITLIST", "This patient is already waiting for this session",
                               session_id=session_id) from None
        return entry_id


def waitlist_entry(db: Database, entry_id: str, citizen_id: str | None = None) -> Row | None:
    """One entry with its current position (waiting ones only); ``citizen_id`` restricts it to its owner."""
    if citizen_id is None:
        return db.one(_WAITLIST_DETAIL + "WHERE e.id = ?", (entry_id,))
    return db.one(_WAITLIST_DETAIL + "WHERE e.id = ? AND e.citizen_id = ?", (entry_id, citizen_id))


def waitlist_of(db: Database, citizen_id: str) -> list[Row]:
    """The citizen's entries, newest first."""
    return db.all(_WAITLIST_DETAIL + "WHERE e.citizen_id = ? ORDER BY e.seq DESC", (citizen_id,))


def cancel_waitlist(db: Database, citizen_id: str, entry_id: str) -> None:
    """Leave the waitlist. WAITLIST_NOT_FOUND (missing or someone else's), WAITLIST_NOT_ACTIVE."""
    with db.write():
        if db.execute("UPDATE waitlist_entries SET status = 'cancelled' WHERE id = ? AND citizen_id = ? "
                      "AND status = 'waiting'", (entry_id, citizen_id)) == 1:
            return
        status = db.scalar("SELECT status FROM waitlist_entries WHERE id = ? AND citizen_id = ?",
                           (entry_id, citizen_id))
        if status is None:
            raise ProblemError("WAITLIST_NOT_FOUND")
        raise ProblemError("WAITLIST_NOT_ACTIVE", f"The entry is {status}", current_status=status)
