"""预约挂号: the hospital catalogue, the 7-day date strip and schedules, appointments and the waitlist.

The catalogue is public (a sandbox only); booking, my appointments and the waitlist need a citizen
with a verified real name. Rules live in ``domain.booking_rules``; SQL in ``store.hospitals`` and
``store.appointments``; every rule value comes from the sandbox's settings.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from pydantic_core import to_json

from ..clock import iso
from ..deps import IdempotencyKeyDep, SandboxDep, SecuredRoute, VerifiedCitizenDep
from ..domain import booking_rules as rules
from ..domain.masking import mask_name
from ..errors import ProblemError
from ..store import appointments, hospitals, idempotency, messages
from ..store.db import Database, Row
from .models import PROBLEM_RESPONSES, Problem, RequestModel, ResponseModel

_PROBLEM = {"application/problem+json": {}}
router = APIRouter(route_class=SecuredRoute, tags=["hospitals"], responses={
    **PROBLEM_RESPONSES,
    403: {"model": Problem, "description": "Real-name level too low, or booking banned after no-shows",
          "content": _PROBLEM},
})

SELF_RELATION = "本人"
STATUS_LABELS = {"booked": "待就诊", "cancelled": "已取消", "attended": "已就诊", "no_show": "爽约"}
WAITLIST_STATUS_LABELS = {"waiting": "候补中", "promoted": "候补成功", "cancelled": "已取消"}
BOOKING_SCOPE = "appointments.create"
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


# --- models: appointments and the waitlist ---------------------------------------------------------
class AppointmentCreate(RequestModel):
    window_id: str = Field(pattern=WINDOW_ID, max_length=20, description="The time window to book, e.g. `W000123`")
    patient_id: str | None = Field(default=None, pattern=CITIZEN_ID, max_length=20,
                                   description="Oneself (default) or a family member")


class DoctorRef(ResponseModel):
    id: str
    name: str
    title: str


class PatientRef(ResponseModel):
    id: str
    name: str = Field(description="Masked: `*伟`")
    relation: str = Field(description="`本人` or the family relation (配偶, 子女, 父母 ...)")


class Appointment(ResponseModel):
    id: str = Field(description="e.g. `AP0000019`")
    booking_number: str = Field(description="yymmdd of the visit + a 6-digit number")
    queue_number: int = Field(description="The patient's number in the session's queue")
    status: Literal["booked", "cancelled", "attended", "no_show"]
    status_label: str = Field(description="待就诊 | 已取消 | 已就诊 | 爽约")
    hospital: HospitalRef
    department: DepartmentRef
    doctor: DoctorRef
    patient: PatientRef
    date: str = Field(description="The visit day, YYYY-MM-DD")
    weekday_label: str
    period: Literal["am", "pm"]
    period_label: str
    window_id: str
    session_id: str
    starts_at: str
    ends_at: str
    checkin_at: str = Field(description="Check in by then (30 minutes before the window)")
    checkin_place: str = Field(description="Hospital short name and department location")
    fee_fen: int
    cancel_deadline: str = Field(description="Cancellable until this instant (15:00 the day before)")
    cancellable: bool = Field(description="booked and before the cancel deadline")
    from_waitlist: bool = Field(description="Booked by promotion from the waitlist")
    created_at: str
    cancelled_at: str | None


class AppointmentList(ResponseModel):
    items: list[Appointment] = Field(description="Upcoming (booked) first, soonest first; then the others, "
                                                 "latest first")


class WaitlistCreate(RequestModel):
    session_id: str = Field(pattern=SESSION_ID, max_length=20, description="A full session, e.g. `S00002`")
    patient_id: str | None = Field(default=None, pattern=CITIZEN_ID, max_length=20,
                                   description="Oneself (default) or a family member")


class WaitlistEntry(ResponseModel):
    id: str = Field(description="e.g. `WL0000001`")
    session_id: str
    status: Literal["waiting", "promoted", "cancelled"]
    status_label: str = Field(description="候补中 | 候补成功 | 已取消")
    position: int | None = Field(description="1 = next to get a freed place; null unless waiting")
    patient: PatientRef
    hospital: HospitalRef
    department: DepartmentRef
    doctor: DoctorRef
    date: str
    weekday_label: str
    period: Literal["am", "pm"]
    period_label: str
    appointment_id: str | None = Field(description="The appointment made on promotion")
    created_at: str


class WaitlistList(ResponseModel):
    items: list[WaitlistEntry] = Field(description="Newest first")


# --- views -----------------------------------------------------------------------------------------
def _patient(row: Row) -> dict:
    relation = SELF_RELATION if row["patient_id"] == row["citizen_id"] else (row["relation"] or "")
    return {"id": row["patient_id"], "name": mask_name(row["patient_name"]), "relation": relation}


def appointment_body(row: Row, settings, now: datetime) -> dict:
    """The wire form of an appointment row (``store.appointments.get`` or ``book_detail``) as plain
    JSON types, in the ``Appointment`` model's field order."""
    day = date.fromisoformat(row["date"])
    return {
        "id": row["id"],
        "booking_number": row["booking_number"],
        "queue_number": row["queue_number"],
        "status": row["status"],
        "status_label": STATUS_LABELS[row["status"]],
        "hospital": {"id": row["hospital_id"], "name": row["hospital_name"]},
        "department": {"id": row["department_id"], "name": row["department_name"]},
        "doctor": {"id": row["doctor_id"], "name": row["doctor_name"], "title": row["doctor_title"]},
        "patient": _patient(row),
        "date": row["date"],
        "weekday_label": rules.weekday_label(day),
        "period": row["period"],
        "period_label": rules.period_label(row["period"]),
        "window_id": row["window_id"],
        "session_id": row["session_id"],
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
        "checkin_at": row["checkin_at"],
        "checkin_place": row["checkin_place"],
        "fee_fen": row["fee_fen"],
        "cancel_deadline": iso(rules.cancel_deadline(day, settings)),
        "cancellable": row["status"] == "booked" and rules.may_cancel(day, now, settings),
        "from_waitlist": bool(row["from_waitlist"]),
        "created_at": row["created_at"],
        "cancelled_at": row["cancelled_at"],
    }


def appointment_view(row: Row, settings, now: datetime) -> dict:
    """The wire form of an appointment row from ``store.appointments.get``, checked by the model."""
    return Appointment.model_validate(appointment_body(row, settings, now)).model_dump()


def waitlist_view(row: Row) -> dict:
    day = date.fromisoformat(row["date"])
    return {
        "id": row["id"],
        "session_id": row["session_id"],
        "status": row["status"],
        "status_label": WAITLIST_STATUS_LABELS[row["status"]],
        "position": row["position"],
        "patient": _patient(row),
        "hospital": {"id": row["hospital_id"], "name": row["hospital_name"]},
        "department": {"id": row["department_id"], "name": row["department_name"]},
        "doctor": {"id": row["doctor_id"], "name": row["doctor_name"], "title": row["doctor_title"]},
        "date": row["date"],
        "weekday_label": rules.weekday_label(day),
        "period": row["period"],
        "period_label": rules.period_label(row["period"]),
        "appointment_id": row["appointment_id"],
        "created_at": row["created_at"],
    }


def _visit_words(row: Row) -> str:
    """浙大一院 心血管内科 唐勇（知名专家 主任医师），2026年6月16日（周二）上午 08:00-08:30"""
    day = date.fromisoformat(row["date"])
    return (f"{row['hospital_name']} {row['department_name']} {row['doctor_name']}（{row['doctor_title']}），"
            f"{rules.date_in_words(day)}（{rules.weekday_label(day)}）{rules.period_label(row['period'])} "
            f"{row['starts_at'][11:16]}-{row['ends_at'][11:16]}")


def _booking_text(row: Row) -> str:
    return (f"您已成功预约{_visit_words(row)}，就诊人{mask_name(row['patient_name'])}，"
            f"预约号{row['booking_number']}，第{row['queue_number']}号。"
            f"请于{row['checkin_at'][11:16]}前到{row['checkin_place']}签到取号。")


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


def _json_response(body: dict, status_code: int = 200) -> Response:
    """``body`` as FastAPI would send it for a response model (compact UTF-8 JSON from pydantic's
    serializer), for a hot route whose body is built in the model's exact shape: no second validation."""
    return Response(to_json(body), status_code=status_code, media_type="application/json")


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
    tables = hospitals.schedule_tables(sandbox.db, department_id, day_iso)
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
    in_range = rules.in_range(day, now, settings)
    released = rules.is_released(day, now, settings)
    # The body is already the ``Schedule`` model's shape (fields in its order, plain JSON types): it goes
    # out as JSON directly, without FastAPI validating the nested model again (``response_model`` still
    # documents it).
    return _json_response({
        "department_id": department_id, "date": day_iso, "weekday": rules.weekday_number(day),
        "weekday_label": rules.weekday_label(day), "in_range": in_range, "released": released,
        "opens_at": iso(rules.opens_at(day, settings)), "bookable": in_range and released, "doctors": doctors})


# --- routes: appointments --------------------------------------------------------------------------
@router.post("/appointments", response_model=Appointment, status_code=201,
             summary="Book a 30-minute window for oneself or a family member (Idempotency-Key)")
async def create_appointment(body: AppointmentCreate, citizen: VerifiedCitizenDep, key: IdempotencyKeyDep):
    sandbox = citizen.sandbox
    db, settings = sandbox.db, sandbox.settings
    now = sandbox.clock.now()
    now_iso = iso(now)
    body_hash = idempotency.request_hash(BOOKING_SCOPE, body.model_dump())
    with db.write():
        replay = idempotency.find(db, citizen.id, key, BOOKING_SCOPE, body_hash)
        if replay is not None:
            status_code, stored = replay
            return JSONResponse(stored, status_code=status_code, headers={"Idempotent-Replayed": "true"})
        row = appointments.book_detail(db, citizen_id=citizen.id, patient_id=body.patient_id or citizen.id,
                                       window_id=body.window_id, now=now, settings=settings)
        view = appointment_body(row, settings, now)
        messages.post(db, citizen.id, "booking", "预约成功", _booking_text(row), now_iso,
                      ref_type="appointment", ref_id=row["id"])
        idempotency.store(db, citizen.id, key, BOOKING_SCOPE, body_hash, 201, view, now_iso)
    # ``view`` has the ``Appointment`` model's exact shape: sent as FastAPI would, without a second validation.
    return _json_response(view, 201)


@router.get("/appointments", response_model=AppointmentList, summary="My appointments (for me and my family)")
async def list_appointments(
    citizen: VerifiedCitizenDep,
    scope: Annotated[Literal["upcoming", "past", "all"],
                     Query(description="`upcoming`: booked, not yet over; `past`: attended, missed or "
                                       "cancelled; `all` (default): both, upcoming first")] = "all",
):
    sandbox = citizen.sandbox
    db, settings = sandbox.db, sandbox.settings
    now = sandbox.clock.now()
    appointments.settle_for_citizen(db, citizen.id, iso(now))
    rows = appointments.list_for(db, citizen.id)
    upcoming = [r for r in rows if r["status"] == "booked"]
    past = [r for r in reversed(rows) if r["status"] != "booked"]
    chosen = {"upcoming": upcoming, "past": past, "all": upcoming + past}[scope]
    return {"items": [appointment_view(r, settings, now) for r in chosen]}


@router.get("/appointments/{appointment_id}", response_model=Appointment, summary="One of my appointments")
async def get_appointment(citizen: VerifiedCitizenDep, appointment_id: AppointmentIdPath):
    sandbox = citizen.sandbox
    db = sandbox.db
    now = sandbox.clock.now()
    appointments.settle_for_citizen(db, citizen.id, iso(now))
    row = appointments.get(db, appointment_id, citizen.id)
    if row is None:
        raise ProblemError("APPOINTMENT_NOT_FOUND")
    return appointment_view(row, sandbox.settings, now)


@router.post("/appointments/{appointment_id}/cancel", response_model=Appointment,
             summary="Cancel an appointment (until 15:00 the day before); the place goes to the waitlist")
async def cancel_appointment(citizen: VerifiedCitizenDep, appointment_id: AppointmentIdPath):
    sandbox = citizen.sandbox
    db, settings = sandbox.db, sandbox.settings
    now = sandbox.clock.now()
    now_iso = iso(now)
    with db.write():
        cancelled = appointments.cancel(db, citizen.id, appointment_id, now, settings)
        row = appointments.get(db, appointment_id)
        messages.post(db, citizen.id, "cancellation", "预约已取消",
                      f"您预约的{_visit_words(row)}（就诊人{mask_name(row['patient_name'])}，"
                      f"预约号{row['booking_number']}）已取消。",
                      now_iso, ref_type="appointment", ref_id=appointment_id)
        promoted = appointments.promote_from_waitlist(db, cancelled["session_id"], cancelled["window_id"],
                                                      now, settings)
        if promoted is not None:
            entry, new_id = promoted
            new_row = appointments.get(db, new_id)
            messages.post(db, entry["citizen_id"], "waitlist_promoted", "候补成功",
                          f"候补成功！{_booking_text(new_row)}", now_iso, ref_type="appointment", ref_id=new_id)
        view = appointment_view(row, settings, now)
    return view


# --- routes: the waitlist --------------------------------------------------------------------------
@router.post("/waitlist", response_model=WaitlistEntry, status_code=201,
             summary="Join the waitlist (候补) of a full session")
async def join_waitlist(body: WaitlistCreate, citizen: VerifiedCitizenDep):
    sandbox = citizen.sandbox
    db, settings = sandbox.db, sandbox.settings
    now = sandbox.clock.now()
    now_iso = iso(now)
    with db.write():
        entry_id = appointments.join_waitlist(db, citizen_id=citizen.id, patient_id=body.patient_id or citizen.id,
                                              session_id=body.session_id, now=now, settings=settings)
        row = appointments.waitlist_entry(db, entry_id)
        day = date.fromisoformat(row["date"])
        messages.post(db, citizen.id, "waitlist_joined", "候补登记成功",
                      f"您已登记候补{row['hospital_name']} {row['department_name']} {row['doctor_name']}"
                      f"（{row['doctor_title']}），{rules.date_in_words(day)}（{rules.weekday_label(day)}）"
                      f"{rules.period_label(row['period'])}，就诊人{mask_name(row['patient_name'])}，"
                      f"当前排第{row['position']}位。有号源释放时将自动为您预约。",
                      now_iso, ref_type="waitlist", ref_id=entry_id)
    return waitlist_view(row)


@router.get("/waitlist", response_model=WaitlistList, summary="My waitlist entries, with current positions")
async def list_waitlist(citizen: VerifiedCitizenDep):
    return {"items": [waitlist_view(r) for r in appointments.waitlist_of(citizen.sandbox.db, citizen.id)]}


@router.delete("/waitlist/{entry_id}", response_model=WaitlistEntry, summary="Leave the waitlist")
async def leave_waitlist(citizen: VerifiedCitizenDep, entry_id: WaitlistIdPath):
    db = citizen.sandbox.db
    with db.write():
        appointments.cancel_waitlist(db, citizen.id, entry_id)
        row = appointments.waitlist_entry(db, entry_id, citizen.id)
    return waitlist_view(row)
