"""Booking a hospital window, my appointments, cancelling, the waitlist (候补), and every rule at its edge.

The sandbox starts on Monday 2026-06-15 09:00 (+08:00): the bookable days are 06-16 .. 06-22, Sunday
06-21 has no sessions. Window and session ids are looked up in the seeded database, never assumed.
"""
from __future__ import annotations

import asyncio
import itertools
import threading
from datetime import timedelta

import pytest

from mock_server.clock import iso, parse_instant
from mock_server.store import appointments as store
from mock_server.store.db import Database
from tests.server.helpers import CHEN, LI, ZHANG, ZHAO, assert_problem

API = "/api/v1"
ZHANG_SPOUSE = "C0006"  # 刘婷, 配偶 of 张伟
ZHANG_CHILD = "C0007"  # 张梓轩, 子女
LI_CHILD = "C0009"  # 周一诺, 子女 of 李娜
_keys = itertools.count(1)


# --- helpers -------------------------------------------------------------------------------------------
def new_key() -> str:
    return f"test-booking-{next(_keys):06d}"


async def set_clock(client, admin_headers, now: str, frozen: bool = True):
    r = await client.put("/admin/sandboxes/demo/clock", json={"now": now, "frozen": frozen}, headers=admin_headers)
    assert r.status_code == 200, r.text


async def book(client, headers, window_id, patient_id=None, key=None):
    body = {"window_id": window_id}
    if patient_id is not None:
        body["patient_id"] = patient_id
    return await client.post(f"{API}/appointments", json=body, headers={**headers, "Idempotency-Key": key or new_key()})


async def booked(client, headers, window_id, patient_id=None) -> dict:
    r = await book(client, headers, window_id, patient_id)
    assert r.status_code == 201, r.text
    return r.json()


_WINDOW_SQL = (
    "SELECT w.id, w.session_id, w.starts_at, w.ends_at, w.capacity, w.booked, s.department_id, s.date, s.period, "
    "s.doctor_id, d.hospital_id FROM time_windows w JOIN clinic_sessions s ON s.id = w.session_id "
    "JOIN departments d ON d.id = s.department_id JOIN doctors r ON r.id = s.doctor_id "
)


def find_window(db, day: str, *, hospital=None, department=None, not_department=None, expert=False,
                not_session=None) -> dict:
    """A window with a free place that day (ordinary doctors: capacity > 1; experts: capacity 1)."""
    sql = _WINDOW_SQL + "WHERE s.date = ? AND w.booked < w.capacity AND " + (
        "r.title LIKE '知名专家%'" if expert else "w.capacity > 1")
    params: list = [day]
    for clause, value in (("d.hospital_id = ?", hospital), ("s.department_id = ?", department),
                          ("s.department_id <> ?", not_department), ("s.id <> ?", not_session)):
        if value is not None:
            sql += f" AND {clause}"
            params.append(value)
    row = db.one(sql + " ORDER BY w.starts_at, w.id LIMIT 1", params)
    assert row is not None, (day, hospital, department)
    return row


def window_row(db, window_id: str) -> dict:
    return db.one(_WINDOW_SQL + "WHERE w.id = ?", (window_id,))


def full_expert_session(db) -> dict:
    """A seeded full session of a popular expert, with the citizens booked into it."""
    row = db.one(
        "SELECT s.id, s.date, s.department_id FROM clinic_sessions s JOIN time_windows w ON w.session_id = s.id "
        "JOIN doctors r ON r.id = s.doctor_id WHERE r.title LIKE '知名专家%' AND s.date > '2026-06-15' "
        "GROUP BY s.id, s.date, s.department_id HAVING SUM(w.capacity - w.booked) = 0 ORDER BY s.id LIMIT 1")
    row["bookings"] = db.all("SELECT id, citizen_id, window_id FROM appointments WHERE session_id = ? "
                             "AND status = 'booked' ORDER BY queue_number", (row["id"],))
    return row


def snapshot(db) -> dict:
    return db.one(
        "SELECT (SELECT COUNT(*) FROM appointments) AS appointments, (SELECT SUM(booked) FROM time_windows) AS booked, "
        "(SELECT COALESCE(SUM(live), 0) FROM patient_day_bookings) AS live, "
        "(SELECT COUNT(*) FROM waitlist_entries) AS waitlist, (SELECT COUNT(*) FROM messages) AS messages, "
        "(SELECT COUNT(*) FROM idempotency_keys) AS idempotency_keys")


async def latest_message(client, headers) -> dict:
    r = await client.get(f"{API}/messages", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"][0]


def add_citizens(db, count: int, start: int = 1) -> list[str]:
    """Extra verified citizens (account holders), inserted directly."""
    ids = []
    for n in range(start, start + count):
        cid = f"C9{n:03d}"
        db.execute("INSERT INTO citizens (id, name, id_number, gender, birth_date, phone, realname_level, created_at) "
                   "VALUES (?, ?, ?, 'male', '1990-01-01', ?, 2, '2025-01-01T09:00:00+08:00')",
                   (cid, f"测试{n}", f"TEST{n:014d}", f"1990000{n:04d}"))
        ids.append(cid)
    return ids


# --- booking: the happy path ---------------------------------------------------------------------------
async def test_book_a_window_for_oneself(client, auth, sandbox):
    db = sandbox.db
    w = find_window(db, "2026-06-17", hospital="H01")
    headers = auth(ZHANG)
    r = await book(client, headers, w["id"])
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["id"].startswith("AP") and a["status"] == "booked" and a["status_label"] == "待就诊"
    assert a["booking_number"].startswith("260617") and len(a["booking_number"]) == 12
    assert a["queue_number"] == 1
    assert a["window_id"] == w["id"] and a["session_id"] == w["session_id"]
    assert a["date"] == "2026-06-17" and a["weekday_label"] == "周三"
    assert a["period"] == w["period"] and a["period_label"] in ("上午", "下午")
    assert (a["starts_at"], a["ends_at"]) == (w["starts_at"], w["ends_at"])
    assert parse_instant(a["starts_at"]) - parse_instant(a["checkin_at"]) == (parse_instant(w["ends_at"]) - parse_instant(w["starts_at"]))
    assert a["checkin_at"] == w["starts_at"][:11] + {"08:00": "07:30", "13:30": "13:00"}[w["starts_at"][11:16]] + ":00+08:00"
    department = db.one("SELECT d.name, d.location, h.name AS hospital, h.short_name FROM departments d "
                        "JOIN hospitals h ON h.id = d.hospital_id WHERE d.id = ?", (w["department_id"],))
    assert a["checkin_place"] == f"{department['short_name']} {department['location']}"
    assert a["hospital"] == {"id": "H01", "name": department["hospital"]}
    assert a["department"] == {"id": w["department_id"], "name": department["name"]}
    doctor = db.one("SELECT id, name, title, fee_fen FROM doctors WHERE id = ?", (w["doctor_id"],))
    assert a["doctor"] == {"id": doctor["id"], "name": doctor["name"], "title": doctor["title"]}
    assert a["fee_fen"] == doctor["fee_fen"]
    assert a["patient"] == {"id": ZHANG, "name": "*伟", "relation": "本人"}
    assert a["cancel_deadline"] == "2026-06-16T15:00:00+08:00" and a["cancellable"] is True
    assert a["from_waitlist"] is False and a["cancelled_at"] is None
    assert a["created_at"][:16] == "2026-06-15T09:00"
    # the database agrees
    assert window_row(db, w["id"])["booked"] == w["booked"] + 1
    assert db.scalar("SELECT live FROM patient_day_bookings WHERE patient_id = ? AND date = '2026-06-17'", (ZHANG,)) == 1
    # the citizen can read it back, and got a message
    assert (await client.get(f"{API}/appointments/{a['id']}", headers=headers)).json() == a
    message = await latest_message(client, headers)
    assert message["kind"] == "booking" and message["title"] == "预约成功"
    assert message["ref_id"] == a["id"]
    for part in (department["hospital"], department["name"], doctor["name"], "2026年6月17日", "周三",
                 a["starts_at"][11:16], a["booking_number"]):
        assert part in message["body"]


async def test_queue_and_booking_numbers_follow_each_other(client, auth, sandbox):
    w = find_window(sandbox.db, "2026-06-18", hospital="H02")
    first = await booked(client, auth(ZHANG), w["id"])
    second = await booked(client, auth(LI), w["id"])
    other_window = sandbox.db.one("SELECT id FROM time_windows WHERE session_id = ? AND id <> ? ORDER BY starts_at DESC",
                                  (w["session_id"], w["id"]))["id"]
    third = await booked(client, auth(ZHANG), other_window, ZHANG_CHILD)
    assert [first["queue_number"], second["queue_number"], third["queue_number"]] == [1, 2, 3]
    numbers = [int(x["booking_number"][6:]) for x in (first, second, third)]
    assert numbers[1] == numbers[0] + 1 and numbers[2] == numbers[1] + 1
    assert int(second["id"][2:]) == int(first["id"][2:]) + 1


async def test_book_for_a_family_member(client, auth, sandbox):
    w = find_window(sandbox.db, "2026-06-19")
    headers = auth(ZHANG)
    a = await booked(client, headers, w["id"], ZHANG_SPOUSE)
    assert a["patient"] == {"id": ZHANG_SPOUSE, "name": "*婷", "relation": "配偶"}
    assert sandbox.db.one("SELECT citizen_id, patient_id FROM appointments WHERE id = ?", (a["id"],)) == \
        {"citizen_id": ZHANG, "patient_id": ZHANG_SPOUSE}
    listed = (await client.get(f"{API}/appointments", headers=headers)).json()["items"]
    assert a["id"] in [x["id"] for x in listed]
    message = await latest_message(client, headers)
    assert message["kind"] == "booking" and "*婷" in message["body"]


# --- idempotency ---------------------------------------------------------------------------------------
async def test_same_key_and_body_replays_the_booking(client, auth, sandbox):
    db = sandbox.db
    w = find_window(db, "2026-06-17")
    headers = auth(ZHANG)
    first = await book(client, headers, w["id"], key="replay-key-0001")
    assert first.status_code == 201
    before = snapshot(db)
    again = await book(client, headers, w["id"], key="replay-key-0001")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert snapshot(db) == before
    # the same key with another body is refused
    other = find_window(db, "2026-06-18")
    assert_problem(await book(client, headers, other["id"], key="replay-key-0001"), 422, "IDEMPOTENCY_KEY_REUSED")
    assert_problem(await book(client, headers, w["id"], ZHANG_CHILD, key="replay-key-0001"), 422, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot(db) == before
    # patient_id omitted or null is the same request
    r = await client.post(f"{API}/appointments", json={"window_id": w["id"], "patient_id": None},
                          headers={**headers, "Idempotency-Key": "replay-key-0001"})
    assert r.status_code == 201 and r.json() == first.json()


async def test_concurrent_retries_with_one_key_book_once(client, auth, sandbox):
    w = find_window(sandbox.db, "2026-06-17")
    headers = auth(ZHANG)
    responses = await asyncio.gather(*[book(client, headers, w["id"], key="retry-key-0001") for _ in range(5)])
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sandbox.db.scalar("SELECT COUNT(*) FROM appointments WHERE window_id = ? AND patient_id = ?",
                             (w["id"], ZHANG)) == 1


async def test_the_idempotency_key_is_required_and_checked(client, auth, sandbox):
    w = find_window(sandbox.db, "2026-06-17")
    headers = auth(ZHANG)
    before = snapshot(sandbox.db)
    assert_problem(await client.post(f"{API}/appointments", json={"window_id": w["id"]}, headers=headers),
                   400, "IDEMPOTENCY_KEY_REQUIRED")
    assert_problem(await book(client, headers, w["id"], key="short"), 400, "IDEMPOTENCY_KEY_INVALID")
    assert snapshot(sandbox.db) == before


# --- who may book --------------------------------------------------------------------------------------
async def test_a_patient_outside_the_family_is_refused_and_nothing_changes(client, auth, sandbox):
    db = sandbox.db
    w = find_window(db, "2026-06-17")
    before = snapshot(db)
    for patient in (LI_CHILD, LI, "C9999"):
        body = assert_problem(await book(client, auth(ZHANG), w["id"], patient), 404, "PATIENT_NOT_ALLOWED")
        assert body["title"] == "Not found"
    assert snapshot(db) == before
    assert window_row(db, w["id"])["booked"] == w["booked"]


async def test_level_one_citizen_and_anonymous_callers_are_refused(client, auth, sandbox):
    w = find_window(sandbox.db, "2026-06-17")
    headers = auth(CHEN)
    before = snapshot(sandbox.db)
    body = assert_problem(await book(client, headers, w["id"]), 403, "REALNAME_LEVEL_TOO_LOW")
    assert body["required_level"] == 2
    assert_problem(await client.get(f"{API}/appointments", headers=headers), 403, "REALNAME_LEVEL_TOO_LOW")
    assert_problem(await client.get(f"{API}/appointments/AP0000001", headers=headers), 403, "REALNAME_LEVEL_TOO_LOW")
    assert_problem(await client.post(f"{API}/appointments/AP0000001/cancel", headers=headers), 403, "REALNAME_LEVEL_TOO_LOW")
    assert_problem(await client.post(f"{API}/waitlist", json={"session_id": w["session_id"]}, headers=headers),
                   403, "REALNAME_LEVEL_TOO_LOW")
    assert_problem(await client.get(f"{API}/waitlist", headers=headers), 403, "REALNAME_LEVEL_TOO_LOW")
    assert_problem(await client.post(f"{API}/appointments", json={"window_id": w["id"]},
                                     headers={"Idempotency-Key": new_key()}), 401, "AUTH_REQUIRED")
    assert_problem(await client.get(f"{API}/appointments"), 401, "AUTH_REQUIRED")
    assert snapshot(sandbox.db) == before


@pytest.mark.parametrize("body", [
    {"window_id": "x"},
    {"window_id": ""},
    {"window_id": "w000001"},
    {"window_id": "W000001'; DROP TABLE appointments; --"},
    {"window_id": 123},
    {"window_id": None},
    {},
    {"window_id": "__WINDOW__", "extra": 1},
    {"window_id": "__WINDOW__", "patient_id": "someone"},
    {"window_id": "__WINDOW__", "patient_id": 6},
    {"window_id": ["__WINDOW__"]},
])
async def test_wrong_inputs_are_refused_and_change_nothing(client, auth, sandbox, body):
    w = find_window(sandbox.db, "2026-06-17")
    body = {k: (w["id"] if v == "__WINDOW__" else v) for k, v in body.items()}
    before = snapshot(sandbox.db)
    r = await client.post(f"{API}/appointments", json=body, headers={**auth(ZHANG), "Idempotency-Key": new_key()})
    assert_problem(r, 422, "VALIDATION_FAILED")
    assert snapshot(sandbox.db) == before
    assert window_row(sandbox.db, w["id"])["booked"] == w["booked"]


async def test_missing_window_and_malformed_json(client, auth, sandbox):
    before = snapshot(sandbox.db)
    assert_problem(await book(client, auth(ZHANG), "W999999"), 404, "WINDOW_NOT_FOUND")
    r = await client.post(f"{API}/appointments", content=b'{"window_id": ',
                          headers={**auth(ZHANG), "Idempotency-Key": new_key(), "content-type": "application/json"})
    assert_problem(r, 400, "MALFORMED_JSON")
    assert snapshot(sandbox.db) == before


# --- which days ----------------------------------------------------------------------------------------
async def test_today_the_past_and_the_eighth_day_are_refused(client, auth, sandbox):
    db = sandbox.db
    headers = auth(ZHANG)
    before = snapshot(db)
    today = find_window(db, "2026-06-15")
    body = assert_problem(await book(client, headers, today["id"]), 422, "DATE_OUT_OF_RANGE")
    assert (body["first_day"], body["last_day"]) == ("2026-06-16", "2026-06-22")
    eighth = find_window(db, "2026-06-23")
    assert_problem(await book(client, headers, eighth["id"]), 422, "DATE_OUT_OF_RANGE")
    past = db.scalar("SELECT window_id FROM appointments WHERE date < '2026-06-15' ORDER BY id LIMIT 1")
    assert_problem(await book(client, headers, past), 422, "DATE_OUT_OF_RANGE")
    assert snapshot(db) == before


async def test_the_seventh_day_opens_at_seven(client, auth, admin_headers, sandbox):
    w = find_window(sandbox.db, "2026-06-22")
    await set_clock(client, admin_headers, "2026-06-15T06:59:59+08:00")
    headers = auth(ZHANG)
    before = snapshot(sandbox.db)
    body = assert_problem(await book(client, headers, w["id"]), 409, "NOT_YET_RELEASED")
    assert body["opens_at"] == "2026-06-15T07:00:00+08:00"
    assert snapshot(sandbox.db) == before
    # the day before it was already open at that minute
    assert (await book(client, headers, find_window(sandbox.db, "2026-06-20")["id"])).status_code == 201
    await set_clock(client, admin_headers, "2026-06-15T07:00:00+08:00")
    a = await booked(client, headers, w["id"])
    assert a["date"] == "2026-06-22" and a["weekday_label"] == "周一"


# --- one a department a day, two a day -----------------------------------------------------------------
async def test_one_booking_per_department_per_day(client, auth, sandbox):
    db = sandbox.db
    headers = auth(ZHANG)
    first = find_window(db, "2026-06-18", hospital="H01")
    a = await booked(client, headers, first["id"])
    same_department = find_window(db, "2026-06-18", department=first["department_id"], not_session=first["session_id"])
    before = snapshot(db)
    body = assert_problem(await book(client, headers, same_department["id"]), 409, "DUPLICATE_DEPARTMENT_BOOKING")
    assert body["department_id"] == first["department_id"]
    assert snapshot(db) == before
    # the same window for the same patient again: the same refusal
    assert_problem(await book(client, headers, first["id"]), 409, "DUPLICATE_DEPARTMENT_BOOKING")
    # another patient of the family, another department, another day: all fine
    await booked(client, headers, same_department["id"], ZHANG_CHILD)
    await booked(client, headers, find_window(db, "2026-06-18", hospital="H01", not_department=first["department_id"])["id"])
    await booked(client, headers, find_window(db, "2026-06-19", department=first["department_id"])["id"])
    # after cancelling, the department is free again that day
    assert (await client.post(f"{API}/appointments/{a['id']}/cancel", headers=headers)).status_code == 200
    await booked(client, headers, same_department["id"])


async def test_at_most_two_bookings_a_day_across_hospitals(client, auth, sandbox):
    db = sandbox.db
    headers = auth(ZHANG)
    day = "2026-06-19"
    first = await booked(client, headers, find_window(db, day, hospital="H01")["id"])
    await booked(client, headers, find_window(db, day, hospital="H02")["id"])
    third = find_window(db, day, hospital="H03")
    before = snapshot(db)
    body = assert_problem(await book(client, headers, third["id"]), 409, "DAILY_BOOKING_LIMIT")
    assert body["limit"] == 2 and body["date"] == day
    assert snapshot(db) == before
    assert db.scalar("SELECT live FROM patient_day_bookings WHERE patient_id = ? AND date = ?", (ZHANG, day)) == 2
    # a family member and another day are not affected
    await booked(client, headers, third["id"], ZHANG_SPOUSE)
    await booked(client, headers, find_window(db, "2026-06-20", hospital="H03")["id"])
    # cancelling one frees a place in the day's count
    assert (await client.post(f"{API}/appointments/{first['id']}/cancel", headers=headers)).status_code == 200
    assert db.scalar("SELECT live FROM patient_day_bookings WHERE patient_id = ? AND date = ?", (ZHANG, day)) == 1
    await booked(client, headers, third["id"])


# --- the no-show ban -----------------------------------------------------------------------------------
async def test_the_banned_citizen_is_refused(client, auth, sandbox):
    db = sandbox.db
    w = find_window(db, "2026-06-17")
    headers = auth(ZHAO)
    before = snapshot(db)
    body = assert_problem(await book(client, headers, w["id"]), 403, "BOOKING_BANNED")
    assert body["banned_until"] == "2026-09-03T09:30:00+08:00"  # 90 days after the third no-show (06-05 09:30)
    full = full_expert_session(db)
    assert_problem(await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=headers),
                   403, "BOOKING_BANNED")
    assert snapshot(db) == before


async def test_the_ban_ends_after_ninety_days(client, auth, admin_headers, sandbox):
    db = sandbox.db
    doctor = db.one("SELECT id, department_id FROM doctors WHERE department_id = 'H01D02' ORDER BY id LIMIT 1 OFFSET 1")
    db.execute("INSERT INTO clinic_sessions (id, doctor_id, department_id, date, period) VALUES ('SX0001', ?, ?, '2026-09-05', 'am')",
               (doctor["id"], doctor["department_id"]))
    db.execute("INSERT INTO time_windows (id, session_id, starts_at, ends_at, capacity) VALUES "
               "('WX00001', 'SX0001', '2026-09-05T08:00:00+08:00', '2026-09-05T08:30:00+08:00', 3)")
    await set_clock(client, admin_headers, "2026-09-03T09:29:59+08:00")
    body = assert_problem(await book(client, auth(ZHAO), "WX00001"), 403, "BOOKING_BANNED")
    assert body["banned_until"] == "2026-09-03T09:30:00+08:00"
    await set_clock(client, admin_headers, "2026-09-03T09:30:00+08:00")
    a = await booked(client, auth(ZHAO), "WX00001")
    assert a["date"] == "2026-09-05" and a["patient"]["id"] == ZHAO


async def test_three_missed_visits_ban_the_patient(client, auth, admin_headers, sandbox):
    """Booked windows that end without a check-in become no-shows; the third one bans for 90 days."""
    db = sandbox.db
    ends = []
    for day, next_morning in (("2026-06-16", "2026-06-16T12:00:00+08:00"),
                              ("2026-06-17", "2026-06-17T12:00:00+08:00"),
                              ("2026-06-18", "2026-06-18T12:00:00+08:00")):
        w = find_window(db, day)
        a = await booked(client, auth(ZHANG), w["id"], ZHANG_CHILD)
        ends.append(a["ends_at"])
        await set_clock(client, admin_headers, next_morning)
        got = (await client.get(f"{API}/appointments/{a['id']}", headers=auth(ZHANG))).json()
        assert got["status"] == "no_show" and got["status_label"] == "爽约"
    w = find_window(db, "2026-06-20")
    body = assert_problem(await book(client, auth(ZHANG), w["id"], ZHANG_CHILD), 403, "BOOKING_BANNED")
    third_end = parse_instant(ends[-1])
    assert parse_instant(body["banned_until"]) == third_end.replace(month=9, day=16)  # 06-18 + 90 days
    # the holder and the rest of the family may still book
    await booked(client, auth(ZHANG), w["id"])


# --- my appointments -----------------------------------------------------------------------------------
async def test_my_appointments_upcoming_first(client, auth, sandbox):
    db = sandbox.db
    headers = auth(ZHANG)
    later = await booked(client, headers, find_window(db, "2026-06-19")["id"])
    sooner = await booked(client, headers, find_window(db, "2026-06-17")["id"], ZHANG_CHILD)
    attended = db.scalar("SELECT id FROM appointments WHERE citizen_id = ? AND status = 'attended'", (ZHANG,))
    upcoming = (await client.get(f"{API}/appointments", params={"scope": "upcoming"}, headers=headers)).json()["items"]
    assert [a["id"] for a in upcoming] == [sooner["id"], later["id"]]
    past = (await client.get(f"{API}/appointments", params={"scope": "past"}, headers=headers)).json()["items"]
    assert [a["id"] for a in past] == [attended]
    assert past[0]["status"] == "attended" and past[0]["cancellable"] is False
    everything = (await client.get(f"{API}/appointments", headers=headers)).json()["items"]
    assert [a["id"] for a in everything] == [sooner["id"], later["id"], attended]
    # a cancelled appointment moves to the past
    assert (await client.post(f"{API}/appointments/{sooner['id']}/cancel", headers=headers)).status_code == 200
    upcoming = (await client.get(f"{API}/appointments", params={"scope": "upcoming"}, headers=headers)).json()["items"]
    assert [a["id"] for a in upcoming] == [later["id"]]
    past = (await client.get(f"{API}/appointments", params={"scope": "past"}, headers=headers)).json()["items"]
    assert {a["id"]: a["status"] for a in past} == {sooner["id"]: "cancelled", attended: "attended"}
    assert_problem(await client.get(f"{API}/appointments", params={"scope": "soon"}, headers=headers),
                   422, "VALIDATION_FAILED")


async def test_unknown_or_malformed_appointment_ids(client, auth):
    headers = auth(ZHANG)
    assert_problem(await client.get(f"{API}/appointments/AP9999999", headers=headers), 404, "APPOINTMENT_NOT_FOUND")
    assert_problem(await client.get(f"{API}/appointments/XYZ", headers=headers), 422, "VALIDATION_FAILED")
    assert_problem(await client.post(f"{API}/appointments/AP9999999/cancel", headers=headers), 404, "APPOINTMENT_NOT_FOUND")


async def test_a_missed_window_becomes_a_no_show(client, auth, admin_headers, sandbox):
    w = find_window(sandbox.db, "2026-06-16")
    a = await booked(client, auth(ZHANG), w["id"])
    one_second_before = iso(parse_instant(a["ends_at"]) - timedelta(seconds=1))
    await set_clock(client, admin_headers, one_second_before)
    assert (await client.get(f"{API}/appointments/{a['id']}", headers=auth(ZHANG))).json()["status"] == "booked"
    await set_clock(client, admin_headers, a["ends_at"])
    got = (await client.get(f"{API}/appointments/{a['id']}", headers=auth(ZHANG))).json()
    assert got["status"] == "no_show" and got["cancellable"] is False
    assert sandbox.db.scalar("SELECT status FROM appointments WHERE id = ?", (a["id"],)) == "no_show"
    # the window stays taken: a no-show does not give the place back
    assert window_row(sandbox.db, w["id"])["booked"] == w["booked"] + 1


async def test_counter_check_in_marks_attended(client, auth, admin_headers, sandbox):
    db = sandbox.db
    headers = auth(ZHANG)
    a = await booked(client, headers, find_window(db, "2026-06-16")["id"])
    url = f"/admin/sandboxes/demo/appointments/{a['id']}/attend"
    assert_problem(await client.post(url), 401, "ADMIN_KEY_REQUIRED")
    r = await client.post(url, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "attended" and r.json()["status_label"] == "已就诊"
    assert_problem(await client.post(url, headers=admin_headers), 409, "APPOINTMENT_NOT_ACTIVE")
    # after the window it stays attended, not a no-show
    await set_clock(client, admin_headers, "2026-06-16T18:00:00+08:00")
    got = (await client.get(f"{API}/appointments/{a['id']}", headers=auth(ZHANG))).json()
    assert got["status"] == "attended"
    assert_problem(await client.post("/admin/sandboxes/demo/appointments/AP9999999/attend", headers=admin_headers),
                   404, "APPOINTMENT_NOT_FOUND")
    assert_problem(await client.post("/admin/sandboxes/demo/appointments/bad/attend", headers=admin_headers),
                   422, "VALIDATION_FAILED")


async def test_check_in_after_the_window_is_too_late(client, auth, admin_headers, sandbox):
    a = await booked(client, auth(ZHANG), find_window(sandbox.db, "2026-06-16")["id"])
    await set_clock(client, admin_headers, "2026-06-16T18:00:00+08:00")
    body = assert_problem(await client.post(f"/admin/sandboxes/demo/appointments/{a['id']}/attend",
                                            headers=admin_headers), 409, "APPOINTMENT_NOT_ACTIVE")
    assert body["current_status"] == "no_show"


# --- cancelling ----------------------------------------------------------------------------------------
async def test_cancel_until_three_pm_the_day_before(client, auth, admin_headers, sandbox):
    db = sandbox.db
    w = find_window(db, "2026-06-17")
    headers = auth(ZHANG)
    a = await booked(client, headers, w["id"])
    await set_clock(client, admin_headers, "2026-06-16T14:59:59+08:00")
    headers = auth(ZHANG)  # a fresh token at the new time
    r = await client.post(f"{API}/appointments/{a['id']}/cancel", headers=headers)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "cancelled" and got["status_label"] == "已取消" and got["cancellable"] is False
    assert got["cancelled_at"] == "2026-06-16T14:59:59+08:00"
    assert window_row(db, w["id"])["booked"] == w["booked"]
    assert db.scalar("SELECT live FROM patient_day_bookings WHERE patient_id = ? AND date = '2026-06-17'", (ZHANG,)) == 0
    message = await latest_message(client, headers)
    assert message["kind"] == "cancellation" and message["ref_id"] == a["id"] and a["booking_number"] in message["body"]
    assert_problem(await client.post(f"{API}/appointments/{a['id']}/cancel", headers=headers), 409, "APPOINTMENT_NOT_ACTIVE")
    # book again, and try one second later than the deadline allows
    again = await booked(client, headers, w["id"])
    await set_clock(client, admin_headers, "2026-06-16T15:00:00+08:00")
    before = snapshot(db)
    body = assert_problem(await client.post(f"{API}/appointments/{again['id']}/cancel", headers=headers),
                          409, "CANCEL_DEADLINE_PASSED")
    assert body["deadline"] == "2026-06-16T15:00:00+08:00"
    assert snapshot(db) == before
    assert (await client.get(f"{API}/appointments/{again['id']}", headers=headers)).json()["status"] == "booked"


async def test_another_citizen_gets_the_same_404_as_for_a_missing_object(client, auth, sandbox):
    db = sandbox.db
    zhang, li = auth(ZHANG), auth(LI)
    a = await booked(client, zhang, find_window(db, "2026-06-17")["id"], ZHANG_CHILD)
    entry = await client.post(f"{API}/waitlist", json={"session_id": full_expert_session(db)["id"]}, headers=zhang)
    assert entry.status_code == 201
    entry_id = entry.json()["id"]
    before = snapshot(db)

    def same(theirs, missing):
        assert theirs.status_code == missing.status_code == 404
        a_body, b_body = theirs.json(), missing.json()
        assert {k: a_body[k] for k in ("code", "title", "detail", "status", "type")} == \
            {k: b_body[k] for k in ("code", "title", "detail", "status", "type")}

    same(await client.get(f"{API}/appointments/{a['id']}", headers=li),
         await client.get(f"{API}/appointments/AP9999999", headers=li))
    same(await client.post(f"{API}/appointments/{a['id']}/cancel", headers=li),
         await client.post(f"{API}/appointments/AP9999999/cancel", headers=li))
    same(await client.delete(f"{API}/waitlist/{entry_id}", headers=li),
         await client.delete(f"{API}/waitlist/WL9999999", headers=li))
    assert_problem(await client.delete(f"{API}/waitlist/{entry_id}", headers=li), 404, "WAITLIST_NOT_FOUND")
    assert_problem(await client.get(f"{API}/appointments/{a['id']}", headers=li), 404, "APPOINTMENT_NOT_FOUND")
    assert a["id"] not in [x["id"] for x in (await client.get(f"{API}/appointments", headers=li)).json()["items"]]
    assert entry_id not in [x["id"] for x in (await client.get(f"{API}/waitlist", headers=li)).json()["items"]]
    # Li cannot book for Zhang's child either
    assert_problem(await book(client, li, find_window(db, "2026-06-18")["id"], ZHANG_CHILD), 404, "PATIENT_NOT_ALLOWED")
    assert snapshot(db) == before
    assert (await client.get(f"{API}/appointments/{a['id']}", headers=zhang)).json()["status"] == "booked"
    assert (await client.get(f"{API}/waitlist", headers=zhang)).json()["items"][0]["status"] == "waiting"


# --- full windows and the waitlist ---------------------------------------------------------------------
async def test_a_full_session_offers_the_waitlist(client, auth, sandbox):
    db = sandbox.db
    full = full_expert_session(db)
    before = snapshot(db)
    body = assert_problem(await book(client, auth(ZHANG), full["bookings"][0]["window_id"]), 409, "SLOT_FULL")
    assert body["session_full"] is True and body["session_id"] == full["id"]
    assert body["waitlist"] == {"session_id": full["id"], "waiting": 0}
    assert snapshot(db) == before


async def test_a_full_window_in_a_session_with_room_left(client, auth, sandbox):
    db = sandbox.db
    w = find_window(db, "2026-06-19", expert=True)
    assert w["capacity"] == 1
    await booked(client, auth(ZHANG), w["id"])
    before = snapshot(db)
    body = assert_problem(await book(client, auth(LI), w["id"]), 409, "SLOT_FULL")
    assert body["session_full"] is False and body["session_id"] == w["session_id"] and "waitlist" not in body
    assert snapshot(db) == before


async def test_join_the_waitlist_with_positions(client, auth, sandbox):
    db = sandbox.db
    full = full_expert_session(db)
    zhang, li = auth(ZHANG), auth(LI)
    r = await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=zhang)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["id"].startswith("WL") and first["session_id"] == full["id"]
    assert first["status"] == "waiting" and first["status_label"] == "候补中" and first["position"] == 1
    assert first["patient"] == {"id": ZHANG, "name": "*伟", "relation": "本人"}
    assert first["date"] == full["date"] and first["period"] == "am" and first["doctor"]["title"].startswith("知名专家")
    assert first["appointment_id"] is None and first["created_at"][:16] == "2026-06-15T09:00"
    message = await latest_message(client, zhang)
    assert message["kind"] == "waitlist_joined" and "第1位" in message["body"]
    second = (await client.post(f"{API}/waitlist", json={"session_id": full["id"], "patient_id": LI_CHILD},
                                headers=li)).json()
    assert second["position"] == 2 and second["patient"] == {"id": LI_CHILD, "name": "*一诺", "relation": "子女"}
    # the same patient twice: refused, nothing added
    before = snapshot(db)
    assert_problem(await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=zhang),
                   409, "ALREADY_ON_WAITLIST")
    assert snapshot(db) == before
    # a full slot now reports two waiting
    body = assert_problem(await book(client, auth(ZHANG), full["bookings"][0]["window_id"], ZHANG_SPOUSE), 409, "SLOT_FULL")
    assert body["waitlist"]["waiting"] == 2
    # my list, then leaving: the next in line moves up
    mine = (await client.get(f"{API}/waitlist", headers=zhang)).json()["items"]
    assert [(e["id"], e["position"]) for e in mine] == [(first["id"], 1)]
    r = await client.delete(f"{API}/waitlist/{first['id']}", headers=zhang)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["position"] is None
    assert (await client.get(f"{API}/waitlist", headers=li)).json()["items"][0]["position"] == 1
    assert_problem(await client.delete(f"{API}/waitlist/{first['id']}", headers=zhang), 409, "WAITLIST_NOT_ACTIVE")
    # once left, one may join again (at the end of the line)
    again = (await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=zhang)).json()
    assert again["position"] == 2


async def test_waitlist_refusals(client, auth, admin_headers, sandbox):
    db = sandbox.db
    zhang = auth(ZHANG)
    full = full_expert_session(db)
    free = find_window(db, "2026-06-17")
    before = snapshot(db)
    body = assert_problem(await client.post(f"{API}/waitlist", json={"session_id": free["session_id"]}, headers=zhang),
                          409, "SESSION_HAS_WINDOWS")
    assert body["remaining"] > 0
    assert_problem(await client.post(f"{API}/waitlist", json={"session_id": "S99999"}, headers=zhang),
                   404, "SESSION_NOT_FOUND")
    assert_problem(await client.post(f"{API}/waitlist", json={"session_id": full["id"], "patient_id": LI_CHILD},
                                     headers=zhang), 404, "PATIENT_NOT_ALLOWED")
    today = find_window(db, "2026-06-15")
    assert_problem(await client.post(f"{API}/waitlist", json={"session_id": today["session_id"]}, headers=zhang),
                   422, "DATE_OUT_OF_RANGE")
    for bad in ({"session_id": "x"}, {"session_id": full["id"], "extra": True}, {}, {"session_id": 2}):
        assert_problem(await client.post(f"{API}/waitlist", json=bad, headers=zhang), 422, "VALIDATION_FAILED")
    assert_problem(await client.delete(f"{API}/waitlist/nope", headers=zhang), 422, "VALIDATION_FAILED")
    assert snapshot(db) == before
    # a booking in the department that day rules the waitlist out too
    same_day = find_window(db, full["date"], department=full["department_id"], not_session=full["id"])
    await booked(client, zhang, same_day["id"], ZHANG_SPOUSE)
    assert_problem(await client.post(f"{API}/waitlist", json={"session_id": full["id"], "patient_id": ZHANG_SPOUSE},
                                     headers=zhang), 409, "DUPLICATE_DEPARTMENT_BOOKING")
    # the seventh day before 07:00
    await set_clock(client, admin_headers, "2026-06-15T06:59:59+08:00")
    seventh = find_window(db, "2026-06-22")
    body = assert_problem(await client.post(f"{API}/waitlist", json={"session_id": seventh["session_id"]},
                                            headers=auth(ZHANG)), 409, "NOT_YET_RELEASED")
    assert body["opens_at"] == "2026-06-15T07:00:00+08:00"


async def test_cancelling_promotes_the_first_in_line(client, auth, sandbox):
    db = sandbox.db
    full = full_expert_session(db)
    zhang, li = auth(ZHANG), auth(LI)
    mine = (await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=zhang)).json()
    theirs = (await client.post(f"{API}/waitlist", json={"session_id": full["id"], "patient_id": LI_CHILD},
                                headers=li)).json()
    leaving = full["bookings"][2]
    holder = auth(leaving["citizen_id"])
    r = await client.post(f"{API}/appointments/{leaving['id']}/cancel", headers=holder)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await latest_message(client, holder))["kind"] == "cancellation"
    # the place went straight to the first in line
    assert window_row(db, leaving["window_id"])["booked"] == 1
    entry = (await client.get(f"{API}/waitlist", headers=zhang)).json()["items"][0]
    assert entry["id"] == mine["id"] and entry["status"] == "promoted" and entry["status_label"] == "候补成功"
    assert entry["position"] is None and entry["appointment_id"]
    a = (await client.get(f"{API}/appointments/{entry['appointment_id']}", headers=zhang)).json()
    assert a["window_id"] == leaving["window_id"] and a["from_waitlist"] is True and a["status"] == "booked"
    assert a["patient"]["id"] == ZHANG and a["queue_number"] == len(full["bookings"]) + 1
    message = await latest_message(client, zhang)
    assert message["kind"] == "waitlist_promoted" and message["title"] == "候补成功"
    assert message["ref_id"] == a["id"] and a["booking_number"] in message["body"]
    assert db.scalar("SELECT live FROM patient_day_bookings WHERE patient_id = ? AND date = ?", (ZHANG, full["date"])) == 1
    # the second in line is now first
    assert (await client.get(f"{API}/waitlist", headers=li)).json()["items"][0]["position"] == 1
    assert theirs["position"] == 2


async def test_promotion_skips_patients_who_may_not_book(client, auth, sandbox):
    db = sandbox.db
    full = full_expert_session(db)
    zhang, li = auth(ZHANG), auth(LI)
    mine = (await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=zhang)).json()
    theirs = (await client.post(f"{API}/waitlist", json={"session_id": full["id"], "patient_id": LI_CHILD},
                                headers=li)).json()
    # Zhang books another doctor of the department that day: he may no longer take the expert's place
    await booked(client, zhang, find_window(db, full["date"], department=full["department_id"], not_session=full["id"])["id"])
    leaving = full["bookings"][0]
    assert (await client.post(f"{API}/appointments/{leaving['id']}/cancel", headers=auth(leaving["citizen_id"]))).status_code == 200
    promoted = (await client.get(f"{API}/waitlist", headers=li)).json()["items"][0]
    assert promoted["id"] == theirs["id"] and promoted["status"] == "promoted"
    a = (await client.get(f"{API}/appointments/{promoted['appointment_id']}", headers=li)).json()
    assert a["patient"] == {"id": LI_CHILD, "name": "*一诺", "relation": "子女"} and a["from_waitlist"] is True
    assert (await latest_message(client, li))["kind"] == "waitlist_promoted"
    skipped = (await client.get(f"{API}/waitlist", headers=zhang)).json()["items"][0]
    assert skipped["id"] == mine["id"] and skipped["status"] == "waiting" and skipped["position"] == 1


async def test_a_freed_place_nobody_may_take_stays_free(client, auth, sandbox):
    db = sandbox.db
    full = full_expert_session(db)
    zhang = auth(ZHANG)
    await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=zhang)
    await booked(client, zhang, find_window(db, full["date"], department=full["department_id"], not_session=full["id"])["id"])
    leaving = full["bookings"][1]
    assert (await client.post(f"{API}/appointments/{leaving['id']}/cancel", headers=auth(leaving["citizen_id"]))).status_code == 200
    assert window_row(db, leaving["window_id"])["booked"] == 0
    assert (await client.get(f"{API}/waitlist", headers=zhang)).json()["items"][0]["status"] == "waiting"
    # and the place can be booked directly by someone else
    await booked(client, auth(LI), leaving["window_id"])


# --- concurrency ---------------------------------------------------------------------------------------
def bookers(db, needed: int) -> list[tuple[str, str]]:
    """(account holder, patient) pairs, every patient distinct: holders, their families, then extra citizens."""
    holders = [r["id"] for r in db.all(
        "SELECT id FROM citizens WHERE phone IS NOT NULL AND realname_level >= 2 AND id <> ? ORDER BY id", (ZHAO,))]
    pairs = [(h, h) for h in holders]
    pairs += [(r["citizen_id"], r["member_id"]) for r in db.all(
        "SELECT citizen_id, member_id FROM family_links WHERE citizen_id IN (%s) ORDER BY citizen_id, member_id"
        % ",".join("?" * len(holders)), holders)]
    if len(pairs) < needed:
        pairs += [(c, c) for c in add_citizens(db, needed - len(pairs))]
    return pairs[:needed]


async def test_fifty_concurrent_attempts_at_one_place_book_exactly_one(client, auth, sandbox):
    db = sandbox.db
    w = find_window(db, "2026-06-20", expert=True)
    assert w["capacity"] == 1 and w["booked"] == 0
    pairs = bookers(db, 50)
    assert len({p for _, p in pairs}) == 50
    headers = {holder: auth(holder) for holder, _ in pairs}
    responses = await asyncio.gather(*[book(client, headers[holder], w["id"], patient) for holder, patient in pairs])
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1, [r.text for r in responses if r.status_code not in (201, 409)]
    assert all(r.json()["code"] == "SLOT_FULL" for r in responses if r.status_code != 201)
    assert window_row(db, w["id"])["booked"] == 1
    assert db.scalar("SELECT COUNT(*) FROM appointments WHERE window_id = ?", (w["id"],)) == 1
    assert db.scalar("SELECT COALESCE(SUM(live), 0) FROM patient_day_bookings WHERE date = ?", (w["date"],)) == \
        db.scalar("SELECT COUNT(*) FROM appointments WHERE date = ? AND status <> 'cancelled'", (w["date"],))


def test_separate_connections_cannot_overbook(sandbox):
    """Threads with their own SQLite connections race for one place: the database lets one through."""
    db = sandbox.db
    w = find_window(db, "2026-06-20", expert=True)
    patients = add_citizens(db, 12, start=500)
    now = parse_instant("2026-06-15T09:00:00+08:00")
    barrier = threading.Barrier(len(patients))
    results: list[str] = []
    lock = threading.Lock()

    def attempt(patient: str) -> None:
        conn = Database(db.path)
        try:
            barrier.wait()
            try:
                store.book(conn, citizen_id=patient, patient_id=patient, window_id=w["id"], now=now,
                           settings=sandbox.settings)
                outcome = "booked"
            except Exception as exc:  # noqa: BLE001 - the refusal's code is the result
                outcome = getattr(exc, "code", repr(exc))
            with lock:
                results.append(outcome)
        finally:
            conn.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["SLOT_FULL"] * (len(patients) - 1) + ["booked"]
    assert window_row(db, w["id"])["booked"] == 1
    assert db.scalar("SELECT COUNT(*) FROM appointments WHERE window_id = ?", (w["id"],)) == 1
