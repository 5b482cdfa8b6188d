"""Answers about hospitals, schedules, appointments and the waitlist."""
from __future__ import annotations

from datetime import date, datetime  # noqa: F401 - read by the annotations
from typing import Any  # noqa: F401 - read by the annotations

from .base import Model, _secret, model  # noqa: F401


# --- hospitals and appointments --------------------------------------------------------------------
@model
class Hospital(Model):
    id: str
    name: str
    short_name: str
    level: str  # e.g. 三级甲等
    district: str
    address: str
    phone: str
    department_count: int


@model
class Department(Model):
    id: str
    hospital_id: str
    name: str
    category: str
    location: str
    intro: str
    doctor_count: int


@model
class HospitalRef(Model):
    id: str
    name: str


@model
class HospitalBrief(HospitalRef):
    short_name: str


@model
class DepartmentRef(Model):
    id: str
    name: str


@model
class DoctorBrief(Model):
    id: str
    name: str
    title: str
    specialty: str
    fee_fen: int


@model
class DepartmentDetail(Department):
    hospital: HospitalBrief
    doctors: tuple[DoctorBrief, ...]


@model
class DoctorDetail(DoctorBrief):
    department: DepartmentRef
    hospital: HospitalBrief


@model
class BookingDay(Model):
    """A day of the 7-day date strip."""

    date: date
    weekday: int  # 1 = Monday ... 7 = Sunday
    weekday_label: str  # 周一 .. 周日
    released: bool
    opens_at: datetime
    total: int
    remaining: int
    bookable: bool


@model
class DateStrip(Model):
    department_id: str
    today: date
    days: tuple[BookingDay, ...]


@model
class TimeWindow(Model):
    """A 30-minute window of a session: what booking takes."""

    id: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    remaining: int


@model
class ClinicSession(Model):
    """A doctor's half day (上午 / 下午): what the waitlist takes when it is full."""

    id: str
    period: str  # am | pm
    period_label: str  # 上午 | 下午
    total: int
    remaining: int
    full: bool
    waiting: int  # patients on the waitlist
    windows: tuple[TimeWindow, ...]


@model
class DoctorSchedule(Model):
    doctor: DoctorBrief
    sessions: tuple[ClinicSession, ...]


@model
class Schedule(Model):
    department_id: str
    date: date
    weekday: int
    weekday_label: str
    in_range: bool
    released: bool
    opens_at: datetime
    bookable: bool
    doctors: tuple[DoctorSchedule, ...]


@model
class DoctorRef(Model):
    id: str
    name: str
    title: str


@model
class PatientRef(Model):
    id: str
    name: str  # masked
    relation: str  # 本人 or the family relation


@model
class Appointment(Model):
    id: str
    booking_number: str
    queue_number: int
    status: str  # booked | cancelled | attended | no_show
    status_label: str
    hospital: HospitalRef
    department: DepartmentRef
    doctor: DoctorRef
    patient: PatientRef
    date: date
    weekday_label: str
    period: str  # am | pm
    period_label: str
    window_id: str
    session_id: str
    starts_at: datetime
    ends_at: datetime
    checkin_at: datetime
    checkin_place: str
    fee_fen: int
    cancel_deadline: datetime
    cancellable: bool
    from_waitlist: bool
    created_at: datetime
    cancelled_at: datetime | None


@model
class WaitlistEntry(Model):
    id: str
    session_id: str
    status: str  # waiting | promoted | cancelled
    status_label: str
    position: int | None  # 1 = next to get a freed place; null unless waiting
    patient: PatientRef
    hospital: HospitalRef
    department: DepartmentRef
    doctor: DoctorRef
    date: date
    weekday_label: str
    period: str
    period_label: str
    appointment_id: str | None  # the appointment made on promotion
    created_at: datetime
