"""预约挂号, the citizen's side: booking a window, my appointments, cancelling, the waitlist (候补).

These routes need a citizen with a verified real name. Rules live in ``domain.booking_rules``; SQL in
``store.appointments``; every rule value comes from the sandbox's settings.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field
from pydantic_core import to_json

from ..clock import iso
from ..deps import IdempotencyKeyDep, SecuredRoute, VerifiedCitizenDep
from ..domain import booking_rules as rules
from ..domain.masking import mask_name
from ..errors import ProblemError
from ..store import appointments, idempotency, messages
from ..store.db import Row
from .hospitals import (
    CITIZEN_ID,
    SESSION_ID,
    WINDOW_ID,
    AppointmentIdPath,
    DepartmentRef,
    HospitalRef,
    WaitlistIdPath,
)
from .hospitals import router as _catalogue_router
from .models import RequestModel, ResponseModel

router = APIRouter(route_class=SecuredRoute, tags=["hospitals"], responses=_catalogue_router.responses)

SELF_RELATION = "本人"
STATUS_LABELS = {"booked": "待就诊", "cancelled": "已取消", "attended": "已就诊", "no_show": "爽约"}
WAITLIST_STATUS_LABELS = {"waiting": "候补中", "promoted": "候补成功", "cancelled": "已取消"}
BOOKING_SCOPE = "appointments.create"


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



# --- routes: appointments --------------------------------------------------------------------------
@router.post("/appointments", response_model=Appointment, status_code=201,
             summary="Book a 30-minute window for oneself or a family member (Idempotency-Key)")
async def create_appointment(body: AppointmentCreate, citizen: VerifiedCitizenDep, key: IdempotencyKeyDep):
    sandbox = citizen.sandbox
    db, settings = sandbox.db, sandbox.settings
    now = sandbox.clock.now()
    now_iso = iso(now)
    body_hash = idempotency.request_hash(BOOKING_SCOPE, body.model_dump())

    def book(db) -> Response:
        replay = idempotency.find(db, citizen.id, key, BOOKING_SCOPE, body_hash)
        if replay is not None:
            status_code, stored = replay
            return Response(stored, status_code=status_code, media_type="application/json",
                            headers={"Idempotent-Replayed": "true"})
        row = appointments.book_detail(db, citizen_id=citizen.id, patient_id=body.patient_id or citizen.id,
                                       window_id=body.window_id, now=now, settings=settings)
        # The ``Appointment`` model's exact shape: sent as FastAPI would, without a second validation; the
        # same bytes are kept for a replay.
        sent = to_json(appointment_body(row, settings, now))
        messages.post(db, citizen.id, "booking", "预约成功", _booking_text(row), now_iso,
                      ref_type="appointment", ref_id=row["id"])
        idempotency.store(db, citizen.id, key, BOOKING_SCOPE, body_hash, 201, sent, now_iso)
        return Response(sent, status_code=201, media_type="application/json")

    # committed together with the other bookings and payments of the moment (one fsync), answered after
    return await db.transact(book)


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
