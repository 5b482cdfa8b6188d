"""The hospital catalogue, the 7-day date strip and a department's schedule, as a citizen browses them."""
from __future__ import annotations

import pytest

from tests.server.helpers import ZHANG, assert_problem

API = "/api/v1"


async def set_clock(client, admin_headers, now: str, frozen: bool = True):
    r = await client.put("/admin/sandboxes/demo/clock", json={"now": now, "frozen": frozen}, headers=admin_headers)
    assert r.status_code == 200, r.text


# --- hospitals ---------------------------------------------------------------------------------------
async def test_list_hospitals_is_public_and_complete(client):
    r = await client.get(f"{API}/hospitals")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [h["id"] for h in items] == [f"H0{n}" for n in range(1, 8)]
    first = items[0]
    assert first == {"id": "H01", "name": "浙江大学医学院附属第一医院", "short_name": "浙大一院", "level": "三级甲等",
                     "district": "杭州市上城区", "address": "杭州市上城区庆春路79号", "phone": "0571-87236114",
                     "department_count": 7}
    assert items[-1]["short_name"] == "市儿童医院" and items[-1]["department_count"] == 6


@pytest.mark.parametrize("q, expected", [
    ("浙大", ["H01", "H02"]),          # short names
    ("邵逸夫", ["H03"]),               # name and short name
    ("拱墅", ["H04", "H07"]),          # district
    ("中医", ["H05"]),
    ("  儿童 ", ["H07"]),              # surrounding blanks ignored
    ("北京", []),
    ("%", []),                        # LIKE wildcards are taken literally
    ("_", []),
])
async def test_search_hospitals(client, q, expected):
    r = await client.get(f"{API}/hospitals", params={"q": q})
    assert r.status_code == 200, r.text
    assert [h["id"] for h in r.json()["items"]] == expected


async def test_search_too_long_is_refused(client):
    assert_problem(await client.get(f"{API}/hospitals", params={"q": "x" * 51}), 422, "VALIDATION_FAILED")


async def test_one_hospital_and_missing_ones(client):
    r = await client.get(f"{API}/hospitals/H03")
    assert r.status_code == 200 and r.json()["short_name"] == "邵逸夫医院"
    assert_problem(await client.get(f"{API}/hospitals/H99"), 404, "HOSPITAL_NOT_FOUND")
    assert_problem(await client.get(f"{API}/hospitals/h01"), 422, "VALIDATION_FAILED")
    assert_problem(await client.get(f"{API}/hospitals/H99/departments"), 404, "HOSPITAL_NOT_FOUND")


# --- departments and doctors ---------------------------------------------------------------------------
async def test_departments_of_a_hospital(client, sandbox):
    r = await client.get(f"{API}/hospitals/H01/departments")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [d["id"] for d in items] == [f"H01D0{n}" for n in range(1, 8)]
    cardio = items[0]
    assert cardio["name"] == "心血管内科" and cardio["category"] == "内科" and cardio["hospital_id"] == "H01"
    assert cardio["location"].startswith("门诊") and "高血压" in cardio["intro"]
    assert cardio["doctor_count"] == sandbox.db.scalar("SELECT COUNT(*) FROM doctors WHERE department_id = 'H01D01'")
    assert cardio["doctor_count"] >= 3


async def test_childrens_hospital_names_its_departments(client):
    items = (await client.get(f"{API}/hospitals/H07/departments")).json()["items"]
    assert items[0]["name"] == "儿科"
    assert all(d["name"] == "儿科" or d["name"].startswith("儿童") for d in items)


async def test_one_department_with_hospital_and_doctors(client):
    r = await client.get(f"{API}/departments/H01D01")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["hospital"] == {"id": "H01", "name": "浙江大学医学院附属第一医院", "short_name": "浙大一院"}
    assert body["doctors"][0]["id"] == "H01D01R1"
    assert body["doctors"][0]["title"].startswith("知名专家") and body["doctors"][0]["fee_fen"] == 10000
    assert len(body["doctors"]) == body["doctor_count"]
    assert_problem(await client.get(f"{API}/departments/H01D99"), 404, "DEPARTMENT_NOT_FOUND")
    assert_problem(await client.get(f"{API}/departments/H01D01;drop"), 422, "VALIDATION_FAILED")


async def test_one_doctor(client):
    r = await client.get(f"{API}/doctors/H01D01R1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["title"] == "知名专家 主任医师" and body["fee_fen"] == 10000 and body["specialty"]
    assert body["department"] == {"id": "H01D01", "name": "心血管内科"}
    assert body["hospital"]["short_name"] == "浙大一院"
    assert_problem(await client.get(f"{API}/doctors/H01D01R9"), 404, "DOCTOR_NOT_FOUND")


# --- the date strip ------------------------------------------------------------------------------------
async def test_date_strip_is_tomorrow_to_seven_days_ahead(client, sandbox):
    r = await client.get(f"{API}/departments/H01D01/dates")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["today"] == "2026-06-15" and body["department_id"] == "H01D01"
    days = body["days"]
    assert [d["date"] for d in days] == [f"2026-06-{n}" for n in range(16, 23)]
    assert [d["weekday_label"] for d in days] == ["周二", "周三", "周四", "周五", "周六", "周日", "周一"]
    assert [d["weekday"] for d in days] == [2, 3, 4, 5, 6, 7, 1]
    assert all(d["released"] for d in days)
    assert days[0]["opens_at"] == "2026-06-09T07:00:00+08:00"
    sunday = days[5]
    assert sunday["total"] == 0 and sunday["remaining"] == 0 and sunday["bookable"] is False
    for d in days:
        total, remaining = sandbox.db.one(
            "SELECT COALESCE(SUM(w.capacity), 0) AS t, COALESCE(SUM(w.capacity - w.booked), 0) AS r "
            "FROM time_windows w JOIN clinic_sessions s ON s.id = w.session_id "
            "WHERE s.department_id = 'H01D01' AND s.date = ?", (d["date"],)).values()
        assert (d["total"], d["remaining"]) == (total, remaining)
        assert d["bookable"] == (remaining > 0)
    # the expert's full session shows in the remaining count of its day
    assert days[0]["remaining"] < days[0]["total"]


async def test_the_seventh_day_is_released_at_seven(client, admin_headers):
    await set_clock(client, admin_headers, "2026-06-15T06:59:59+08:00")
    last = (await client.get(f"{API}/departments/H01D02/dates")).json()["days"][-1]
    assert last["date"] == "2026-06-22"
    assert last["released"] is False and last["bookable"] is False
    assert last["opens_at"] == "2026-06-15T07:00:00+08:00" and last["total"] > 0
    await set_clock(client, admin_headers, "2026-06-15T07:00:00+08:00")
    last = (await client.get(f"{API}/departments/H01D02/dates")).json()["days"][-1]
    assert last["released"] is True and last["bookable"] is True


async def test_date_strip_of_a_missing_department(client):
    assert_problem(await client.get(f"{API}/departments/H09D01/dates"), 404, "DEPARTMENT_NOT_FOUND")


# --- the schedule --------------------------------------------------------------------------------------
async def test_schedule_defaults_to_tomorrow(client, sandbox):
    r = await client.get(f"{API}/departments/H01D01/schedule")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["date"] == "2026-06-16" and body["weekday_label"] == "周二" and body["weekday"] == 2
    assert body["in_range"] and body["released"] and body["bookable"]
    doctor_ids = [d["doctor"]["id"] for d in body["doctors"]]
    assert doctor_ids == sorted(doctor_ids)
    windows = sum(len(s["windows"]) for d in body["doctors"] for s in d["sessions"])
    assert windows == sandbox.db.scalar(
        "SELECT COUNT(*) FROM time_windows w JOIN clinic_sessions s ON s.id = w.session_id "
        "WHERE s.department_id = 'H01D01' AND s.date = '2026-06-16'")
    for doc in body["doctors"]:
        assert set(doc["doctor"]) == {"id", "name", "title", "specialty", "fee_fen"}
        for s in doc["sessions"]:
            assert s["period"] in ("am", "pm") and s["period_label"] == {"am": "上午", "pm": "下午"}[s["period"]]
            assert len(s["windows"]) == 7
            assert s["total"] == sum(w["capacity"] for w in s["windows"])
            assert s["remaining"] == sum(w["remaining"] for w in s["windows"])
            assert s["full"] == (s["remaining"] == 0)
            starts = [w["starts_at"] for w in s["windows"]]
            assert starts == sorted(starts)
            first = "2026-06-16T08:00:00+08:00" if s["period"] == "am" else "2026-06-16T13:30:00+08:00"
            assert starts[0] == first
            assert s["windows"][-1]["ends_at"][11:16] == ("11:30" if s["period"] == "am" else "17:00")


async def test_schedule_shows_the_full_expert_session(client, sandbox):
    full = sandbox.db.one(
        "SELECT s.id, s.date, s.department_id FROM clinic_sessions s JOIN time_windows w ON w.session_id = s.id "
        "JOIN doctors r ON r.id = s.doctor_id WHERE r.title LIKE '知名专家%' "
        "GROUP BY s.id, s.date, s.department_id HAVING SUM(w.capacity - w.booked) = 0 ORDER BY s.id LIMIT 1")
    body = (await client.get(f"{API}/departments/{full['department_id']}/schedule",
                             params={"date": full["date"]})).json()
    sessions = {s["id"]: (d["doctor"], s) for d in body["doctors"] for s in d["sessions"]}
    doctor, session = sessions[full["id"]]
    assert doctor["title"].startswith("知名专家") and doctor["fee_fen"] == 10000
    assert session["full"] is True and session["remaining"] == 0 and session["waiting"] == 0
    assert all(w["capacity"] == 1 and w["remaining"] == 0 for w in session["windows"])


async def test_schedule_counts_the_waitlist(client, sandbox, auth):
    full = sandbox.db.one(
        "SELECT s.id, s.date, s.department_id FROM clinic_sessions s JOIN time_windows w ON w.session_id = s.id "
        "WHERE s.date > '2026-06-15' GROUP BY s.id, s.date, s.department_id "
        "HAVING SUM(w.capacity - w.booked) = 0 ORDER BY s.id LIMIT 1")
    r = await client.post(f"{API}/waitlist", json={"session_id": full["id"]}, headers=auth(ZHANG))
    assert r.status_code == 201, r.text
    body = (await client.get(f"{API}/departments/{full['department_id']}/schedule",
                             params={"date": full["date"]})).json()
    waiting = {s["id"]: s["waiting"] for d in body["doctors"] for s in d["sessions"]}
    assert waiting[full["id"]] == 1
    assert sum(waiting.values()) == 1


async def test_schedule_outside_the_bookable_days(client):
    today = (await client.get(f"{API}/departments/H01D02/schedule", params={"date": "2026-06-15"})).json()
    assert today["in_range"] is False and today["bookable"] is False and today["doctors"]
    eighth = (await client.get(f"{API}/departments/H01D02/schedule", params={"date": "2026-06-23"})).json()
    assert eighth["in_range"] is False and eighth["released"] is False and eighth["bookable"] is False
    assert eighth["opens_at"] == "2026-06-16T07:00:00+08:00"
    sunday = (await client.get(f"{API}/departments/H01D02/schedule", params={"date": "2026-06-21"})).json()
    assert sunday["bookable"] is True and sunday["doctors"] == []


async def test_schedule_release_boundary(client, admin_headers):
    await set_clock(client, admin_headers, "2026-06-15T06:59:59+08:00")
    body = (await client.get(f"{API}/departments/H01D02/schedule", params={"date": "2026-06-22"})).json()
    assert body["in_range"] is True and body["released"] is False and body["bookable"] is False
    await set_clock(client, admin_headers, "2026-06-15T07:00:00+08:00")
    body = (await client.get(f"{API}/departments/H01D02/schedule", params={"date": "2026-06-22"})).json()
    assert body["released"] is True and body["bookable"] is True


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-6-16", "20260616", "tomorrow", "", "2026-06-16T08:00",
                                 "0001-01-01", "9999-12-31", "２０２６-06-16"])
async def test_schedule_refuses_bad_dates(client, bad):
    assert_problem(await client.get(f"{API}/departments/H01D01/schedule", params={"date": bad}),
                   422, "VALIDATION_FAILED")


async def test_schedule_of_a_missing_department(client):
    assert_problem(await client.get(f"{API}/departments/H01D42/schedule"), 404, "DEPARTMENT_NOT_FOUND")


async def test_schedule_is_a_constant_number_of_queries(client, sandbox):
    """No N+1: the schedule of a department-day costs the same few statements however big it is."""
    statements: list[str] = []
    sandbox.db.conn.set_trace_callback(statements.append)
    try:
        r = await client.get(f"{API}/departments/H01D01/schedule", params={"date": "2026-06-16"})
    finally:
        sandbox.db.conn.set_trace_callback(None)
    assert r.status_code == 200
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2, selects
