"""预约挂号, the catalogue: hospitals, departments, doctors, the 7-day date strip and schedules.

The catalogue is public (a sandbox only). Booking, my appointments and the waitlist are in
``routes.appointments``. Rules live in ``domain.booking_rules``; SQL in ``store.hospitals``; every rule
value comes from the sandbox's settings.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic_core import to_json
from pydantic import Field

from ..clock import iso
from ..deps import SandboxDep, SecuredRoute
from ..domain import booking_rules as rules
from ..errors import ProblemError
from ..store import hospitals
from ..store.db import Database, Row
from .models import PROBLEM_RESPONSES, Problem, ResponseModel

_PROBLEM = {"application/problem+json": {}}
router = APIRouter(route_class=SecuredRoute, tags=["hospitals"], responses={
    **PROBLEM_RESPONSES,
    403: {"model": Problem, "description": "Real-name level too low, or booking banned after no-shows",
          "content": _PROBLEM},
})

DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SCHEDULE_MAX_DAYS_AWAY = 366  # a schedule further from today than this is refused as a bad date

HOSPITAL_ID = r"^H[A-Z0-9]{1,19}$"
DEPARTMENT_ID = r"^H[A-Z0-9]{1,29}$"
DOCTOR_ID = r"^H[A-Z0-9]{1,39}$"
WINDOW_ID = r"^W[A-Z0-9]{1,19}$"
SESSION_ID = r"^S[A-Z0-9]{1,19}$"
APPOINTMENT_ID = r"^AP[0-9]{1,18}$"
WAITLIST_ID = r"^WL[0-9]{1,18}$"
CITIZEN_ID = r"^C[A-Z0-9]{1,19}$"

HospitalIdPath = Annotated[str, Path(pattern=HOSPITAL_ID, max_length=20, description="e.g. `H01`")]
DepartmentIdPath = Annotated[str, Path(pattern=DEPARTMENT_ID, max_length=30, description="e.g. `H01D01`")]
DoctorIdPath = Annotated[str, Path(pattern=DOCTOR_ID, max_length=40, description="e.g. `H01D01R1`")]
AppointmentIdPath = Annotated[str, Path(pattern=APPOINTMENT_ID, max_length=20, description="e.g. `AP0000019`")]
WaitlistIdPath = Annotated[str, Path(pattern=WAITLIST_ID, max_length=20, description="e.g. `WL0000001`")]


# --- models: the catalogue -------------------------------------------------------------------------
class Hospital(ResponseModel):
    id: str = Field(description="e.g. `H01`")
    name: str = Field(description="Full name, e.g. 浙江大学医学院附属第一医院")
    short_name: str = Field(description="e.g. 浙大一院")
    level: str = Field(description="Grade, e.g. 三级甲等")
    district: str = Field(description="e.g. 杭州市上城区")
    address: str
    phone: str
    department_count: int = Field(description="How many departments take online bookings")


class HospitalList(ResponseModel):
    items: list[Hospital]


class Department(ResponseModel):
    id: str = Field(description="e.g. `H01D01`")
    hospital_id: str
    name: str = Field(description="e.g. 心血管内科")
    category: str = Field(description="e.g. 内科, 外科, 五官科, 儿科")
    location: str = Field(description="Where in the hospital, e.g. 门诊A区4楼")
    intro: str = Field(description="What the department treats")
    doctor_count: int


class DepartmentList(ResponseModel):
    items: list[Department]


class HospitalRef(ResponseModel):
    id: str
    name: str


class HospitalBrief(HospitalRef):
    short_name: str


class DepartmentRef(ResponseModel):
    id: str
    name: str


class DoctorBrief(ResponseModel):
    id: str = Field(description="e.g. `H01D01R1`")
    name: str
    title: str = Field(description="e.g. 主任医师; popular experts are titled 知名专家 主任医师")
    specialty: str
    fee_fen: int = Field(description="Registration fee in fen")


class DepartmentDetail(Department):
    hospital: HospitalBrief
    doctors: list[DoctorBrief]


class DoctorDetail(DoctorBrief):
    department: DepartmentRef
    hospital: HospitalBrief


class DayCell(ResponseModel):
    date: str = Field(description="YYYY-MM-DD")
    weekday: int = Field(description="1 = Monday ... 7 = Sunday")
    weekday_label: str = Field(description="周一 .. 周日")
    released: bool = Field(description="Open for booking now (a day opens at 07:00, seven days before)")
    opens_at: str = Field(description="When the day opens (or opened) for booking")
    total: int = Field(description="Places of the department that day, over every window")
    remaining: int = Field(description="Places still free")
    bookable: bool = Field(description="released and remaining > 0")


class DateStrip(ResponseModel):
    department_id: str
    today: str = Field(description="The sandbox's date, YYYY-MM-DD")
    days: list[DayCell] = Field(description="Tomorrow to seven days ahead")


class WindowView(ResponseModel):
    id: str = Field(description="The time window's id: what POST /appointments takes")
    starts_at: str
    ends_at: str
    capacity: int
    remaining: int


class SessionView(ResponseModel):
    id: str = Field(description="The session's id: what POST /waitlist takes")
    period: Literal["am", "pm"]
    period_label: str = Field(description="上午 | 下午")
    total: int
    remaining: int
    full: bool = Field(description="No window has a free place: the waitlist (候补) is open")
    waiting: int = Field(description="Patients on the waitlist")
    windows: list[WindowView]


class DoctorSchedule(ResponseModel):
    doctor: DoctorBrief
    sessions: list[SessionView]


class Schedule(ResponseModel):
    department_id: str
    date: str = Field(description="YYYY-MM-DD")
    weekday: int
    weekday_label: str
    in_range: bool = Field(description="Within the bookable days (tomorrow to seven days ahead)")
    released: bool
    opens_at: str
    bookable: bool = Field(description="in_range and released")
    doctors: list[DoctorSchedule] = Field(description="Doctors with sessions that day")



def _day_or_refuse(text: str, today: date) -> date:
    if not DATE_PATTERN.fullmatch(text):
        raise ProblemError("VALIDATION_FAILED", "date: use YYYY-MM-DD, e.g. 2026-06-16")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ProblemError("VALIDATION_FAILED", f"date: {text} is not a calendar date") from None
    if abs((day - today).days) > SCHEDULE_MAX_DAYS_AWAY:
        raise ProblemError("VALIDATION_FAILED", f"date: choose a day within {SCHEDULE_MAX_DAYS_AWAY} days of today")
    return day



def _department_or_404(db: Database, department_id: str) -> Row:
    row = hospitals.department(db, department_id)
    if row is None:
        raise ProblemError("DEPARTMENT_NOT_FOUND", "No department has this id")
    return row



# --- routes: the catalogue -------------------------------------------------------------------------
@router.get("/hospitals", response_model=HospitalList, summary="Hospitals, optionally searched")
async def list_hospitals(sandbox: SandboxDep,
                         q: Annotated[str | None, Query(max_length=50,
                                                        description="Part of a name, short name or district")] = None):
    return {"items": hospitals.search_hospitals(sandbox.db, q.strip() if q else None)}


@router.get("/hospitals/{hospital_id}", response_model=Hospital, summary="One hospital")
async def get_hospital(sandbox: SandboxDep, hospital_id: HospitalIdPath):
    row = hospitals.hospital(sandbox.db, hospital_id)
    if row is None:
        raise ProblemError("HOSPITAL_NOT_FOUND", "No hospital has this id")
    return row


@router.get("/hospitals/{hospital_id}/departments", response_model=DepartmentList,
            summary="The departments of a hospital")
async def list_departments(sandbox: SandboxDep, hospital_id: HospitalIdPath):
    db = sandbox.db
    if hospitals.hospital(db, hospital_id) is None:
        raise ProblemError("HOSPITAL_NOT_FOUND", "No hospital has this id")
    return {"items": hospitals.departments_of(db, hospital_id)}


@router.get("/departments/{department_id}", response_model=DepartmentDetail,
            summary="One department, with its hospital and doctors")
async def get_department(sandbox: SandboxDep, department_id: DepartmentIdPath):
    db = sandbox.db
    row = _department_or_404(db, department_id)
    return {**row, "hospital": {"id": row["hospital_id"], "name": row["hospital_name"],
                                "short_name": row["hospital_short_name"]},
            "doctors": hospitals.doctors_of(db, department_id)}


@router.get("/doctors/{doctor_id}", response_model=DoctorDetail, summary="One doctor")
async def get_doctor(sandbox: SandboxDep, doctor_id: DoctorIdPath):
    row = hospitals.doctor(sandbox.db, doctor_id)
    if row is None:
        raise ProblemError("DOCTOR_NOT_FOUND", "No doctor has this id")
    return {**row, "department": {"id": row["department_id"], "name": row["department_name"]},
            "hospital": {"id": row["hospital_id"], "name": row["hospital_name"],
                         "short_name": row["hospital_short_name"]}}


@router.get("/departments/{department_id}/dates", response_model=DateStrip,
            summary="The 7-day date strip: which days are open and how many places are left")
async def department_dates(sandbox: SandboxDep, department_id: DepartmentIdPath):
    db, settings = sandbox.db, sandbox.settings
    _department_or_404(db, department_id)
    now = sandbox.clock.now()
    days = rules.bookable_days(now, settings)
    capacity = hospitals.capacity_by_day(db, department_id, days[0].isoformat(), days[-1].isoformat())
    cells = []
    for day in days:
        cap = capacity.get(day.isoformat())
        total = cap["total"] if cap else 0
        remaining = cap["remaining"] if cap else 0
        released = rules.is_released(day, now, settings)
        cells.append({"date": day.isoformat(), "weekday": rules.weekday_number(day),
                      "weekday_label": rules.weekday_label(day), "released": released,
                      "opens_at": iso(rules.opens_at(day, settings)), "total": total, "remaining": remaining,
                      "bookable": released and remaining > 0})
    return {"department_id": department_id, "today": now.date().isoformat(), "days": cells}


@router.get("/departments/{department_id}/schedule", response_model=Schedule,
            summary="Doctors, sessions and 30-minute windows of a department on one day")
async def department_schedule(
    sandbox: SandboxDep, department_id: DepartmentIdPath,
    day_text: Annotated[str | None, Query(alias="date", max_length=20,
                                          description="YYYY-MM-DD; default tomorrow")] = None,
):
    settings = sandbox.settings
    now = sandbox.clock.now()
    day = _day_or_refuse(day_text, now.date()) if day_text is not None else \
        now.date() + timedelta(days=settings.booking_min_days_ahead)
    day_iso = day.isoformat()
    in_range = rules.in_range(day, now, settings)
    released = rules.is_released(day, now, settings)
    # The answer depends on the data and on the two flags the clock sets: kept under the data's stamp.
    key = ("schedule", department_id, day_iso, in_range, released)
    body = sandbox.cache.get(sandbox.version, key)
    if body is None:
        body = _schedule_body(sandbox.db, department_id, day, in_range, released, settings)
        sandbox.cache.put(sandbox.version, sandbox.db.version(), key, body)
    return Response(body, media_type="application/json")


def _schedule_body(db: Database, department_id: str, day: date, in_range: bool, released: bool,
                   settings) -> bytes:
    """The schedule as JSON bytes, in the ``Schedule`` model's shape (fields in its order, plain JSON
    types); FastAPI does not validate the nested model again (``response_model`` still documents it)."""
    day_iso = day.isoformat()
    tables = hospitals.schedule_tables(db, department_id, day_iso)
    if tables is None:
        raise ProblemError("DEPARTMENT_NOT_FOUND", "No department has this id")
    sessions, window_rows = tables
    # Windows grouped by session, in order: [total, remaining, [window, ...]].
    by_session: dict[str, list] = {}
    for session_id, window_id, starts_at, ends_at, capacity, booked in window_rows:
        group = by_session.get(session_id)
        if group is None:
            group = by_session[session_id] = [0, 0, []]
        remaining = capacity - booked
        group[0] += capacity
        group[1] += remaining
        group[2].append({"id": window_id, "starts_at": starts_at, "ends_at": ends_at, "capacity": capacity,
                         "remaining": remaining})
    doctors: list[dict] = []
    entry: dict | None = None
    for session_id, period, doctor_id, name, title, specialty, fee_fen, waiting in sessions:
        group = by_session.get(session_id)
        if group is None:  # a session without windows is not shown
            continue
        if entry is None or entry["doctor"]["id"] != doctor_id:  # sessions come ordered by doctor
            entry = {"doctor": {"id": doctor_id, "name": name, "title": title, "specialty": specialty,
                                "fee_fen": fee_fen}, "sessions": []}
            doctors.append(entry)
        total, remaining, windows = group
        entry["sessions"].append({"id": session_id, "period": period, "period_label": rules.period_label(period),
                                  "total": total, "remaining": remaining, "full": remaining <= 0,
                                  "waiting": waiting, "windows": windows})
    return to_json({
        "department_id": department_id, "date": day_iso, "weekday": rules.weekday_number(day),
        "weekday_label": rules.weekday_label(day), "in_range": in_range, "released": released,
        "opens_at": iso(rules.opens_at(day, settings)), "bookable": in_range and released, "doctors": doctors})
