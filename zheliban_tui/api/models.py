"""What the backend answers, as frozen dataclasses read from JSON.

Conventions: money is integer fen (``*_fen``); instants are timezone-aware ``datetime`` (the wire
carries ISO 8601 with +08:00; an instant without an offset is refused); days are ``datetime.date``;
lists inside a model are tuples. ``Model.from_json`` takes the known fields and ignores unknown
ones; a missing field or a value of the wrong type raises ``ApiError(BAD_RESPONSE)`` naming the field
(never its value). Secrets (tokens, show codes, SMS texts) are left out of ``repr``.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, TypeVar

from .errors import ApiError

M = TypeVar("M", bound="Model")
_Reader = Callable[[Any, str], Any]


def _bad(where: str, what: str) -> ApiError:
    return ApiError.bad_response(f"{where}: {what}")


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# --- the shared reader: one converter per field, built from the annotations on first use -----------
def _read_str(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    raise _bad(where, f"expected a string, got {_type_name(value)}")


def _read_int(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _bad(where, f"expected an integer, got {_type_name(value)}")


def _read_float(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise _bad(where, f"expected a number, got {_type_name(value)}")


def _read_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _bad(where, f"expected true or false, got {_type_name(value)}")


def _read_datetime(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise _bad(where, f"expected an ISO 8601 instant, got {_type_name(value)}")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(where, "not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise _bad(where, "an instant without a UTC offset")
    return instant


def _read_date(value: Any, where: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise _bad(where, f"expected a day (YYYY-MM-DD), got {_type_name(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(where, "not a day (YYYY-MM-DD)") from None


def _read_any(value: Any, where: str) -> Any:
    return value


_SIMPLE: dict[Any, _Reader] = {str: _read_str, int: _read_int, float: _read_float, bool: _read_bool,
                               datetime: _read_datetime, date: _read_date, Any: _read_any}


def _reader_for(tp: Any) -> _Reader:
    simple = _SIMPLE.get(tp)
    if simple is not None:
        return simple
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp._read
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(args) != 2:
            raise TypeError(f"unsupported union {tp!r}")
        inner = _reader_for(rest[0])
        return lambda value, where: None if value is None else inner(value, where)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _reader_for(args[0])

        def read_tuple(value: Any, where: str) -> tuple:
            if not isinstance(value, list):
                raise _bad(where, f"expected a list, got {_type_name(value)}")
            return tuple(item(v, f"{where}[{i}]") for i, v in enumerate(value))

        return read_tuple
    if origin is dict or tp is dict:
        def read_dict(value: Any, where: str) -> dict:
            if not isinstance(value, dict):
                raise _bad(where, f"expected an object, got {_type_name(value)}")
            return dict(value)

        return read_dict
    raise TypeError(f"no reader for {tp!r}")


_MISSING = object()


class Model:
    """Base of the answer models: ``from_json`` reads the dataclass fields from a JSON object."""

    __slots__ = ()

    @classmethod
    def from_json(cls: type[M], data: Any) -> M:
        return cls._read(data, cls.__name__)

    @classmethod
    def _read(cls: type[M], data: Any, where: str) -> M:
        spec = _SPECS.get(cls) or _spec_of(cls)
        if not isinstance(data, dict):
            raise _bad(where, f"expected an object, got {_type_name(data)}")
        values = {}
        for name, reader, required in spec:
            value = data.get(name, _MISSING)
            if value is _MISSING:
                if required:
                    raise _bad(f"{where}.{name}", "missing")
                continue
            values[name] = reader(value, f"{where}.{name}")
        return cls(**values)


_SPECS: dict[type, tuple] = {}


def _spec_of(cls: type) -> tuple[tuple[str, _Reader, bool], ...]:
    spec = _SPECS.get(cls)
    if spec is None:
        # the module's names, not the class's: a field called ``date`` must not hide ``datetime.date``
        names = vars(sys.modules[cls.__module__])
        hints = typing.get_type_hints(cls, names, names)
        spec = tuple((f.name, _reader_for(hints[f.name]),
                      f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
                     for f in dataclasses.fields(cls) if f.init)
        _SPECS[cls] = spec
    return spec


def items_of(model: type[M], data: Any) -> list[M]:
    """The ``items`` of a ``{"items": [...]}`` answer, each read as ``model``."""
    where = f"{model.__name__} list"
    if not isinstance(data, dict) or "items" not in data:
        raise _bad(where, "expected an object with items")
    return list_of(model, data["items"], f"{where}.items")


def list_of(model: type[M], data: Any, where: str | None = None) -> list[M]:
    """A JSON list, each element read as ``model``."""
    where = where or f"{model.__name__} list"
    if not isinstance(data, list):
        raise _bad(where, f"expected a list, got {_type_name(data)}")
    return [model._read(item, f"{where}[{i}]") for i, item in enumerate(data)]


model = dataclass(frozen=True, slots=True)


def _secret() -> Any:
    """A field left out of ``repr`` (tokens, codes, texts holding a code)."""
    return field(repr=False)


# --- login -----------------------------------------------------------------------------------------
@model
class TokenPair(Model):
    access_token: str = _secret()
    refresh_token: str = _secret()
    expires_in: int  # seconds the access token stays valid
    refresh_expires_at: datetime  # the session's absolute end
    citizen_id: str
    token_type: str = "Bearer"


@model
class SmsCodeSent(Model):
    phone: str  # masked
    expires_in: int  # seconds the code stays valid
    resend_after: int  # seconds before another code may be asked for
    sends_left_today: int


@model
class FamilyMember(Model):
    id: str
    name: str  # masked
    relation: str  # 配偶, 子女, 父母 ...
    id_number: str  # masked
    gender: str  # male | female


@model
class Me(Model):
    id: str
    name: str  # masked
    id_number: str  # masked
    phone: str  # masked
    gender: str
    realname_level: int  # 1 not verified, 2 basic, 3 advanced
    family: tuple[FamilyMember, ...]
    unread_messages: int


@model
class ServerClock(Model):
    now: datetime  # the sandbox's time
    epoch: float
    sandbox: str


# --- the e-social-security card --------------------------------------------------------------------
@model
class Card(Model):
    id: str
    holder_id: str
    holder_name: str  # masked unless revealed
    relation: str  # 本人 or the family relation
    city_code: str
    city_name: str
    card_number: str  # masked unless revealed
    social_security_number: str  # strongly masked unless revealed
    issue_date: date
    valid_until: date
    status: str  # normal | lost | cancelled
    status_label: str  # 正常 | 挂失 | 注销
    bank_name: str
    bank_card_number: str  # always masked
    masked: bool


@model
class QrCode(Model):
    """A show code (展码): short-lived and single-use; the payload goes into the QR symbol."""

    qr_id: str
    card_id: str
    payload: str = _secret()
    numeric_code: str = _secret()  # 18 digits, typed at a counter instead of scanning
    issued_at: datetime
    expires_at: datetime
    expires_in: int  # seconds the code is valid from issued_at (the countdown's length)


@model
class VerifiedHolder(Model):
    name: str  # masked
    id_number: str  # strongly masked
    gender: str


@model
class VerifiedCard(Model):
    card_number: str  # masked
    city_code: str
    city_name: str
    status: str


@model
class QrVerification(Model):
    valid: bool
    qr_id: str
    verified_at: datetime
    holder: VerifiedHolder
    card: VerifiedCard


@model
class Settlement(Model):
    id: str
    settled_at: datetime
    institution: str
    kind: str  # 门诊 | 购药 | 住院
    total_fen: int
    fund_paid_fen: int  # paid by the pooled fund (统筹)
    account_paid_fen: int  # paid from the personal account
    self_paid_fen: int


@model
class InsuranceAccount(Model):
    person_id: str
    holder_name: str  # masked
    insurance_type: str
    insured_place: str
    balance_fen: int
    settlements: tuple[Settlement, ...]  # the most recent, newest first


@model
class SettlementList(Model):
    person_id: str
    items: tuple[Settlement, ...]  # newest first
    total: int  # how many the person has in all


# --- bills and payments ----------------------------------------------------------------------------
@model
class Provider(Model):
    id: str
    name: str
    city_code: str
    city_name: str


@model
class UtilityProvider(Provider):
    kind: str  # water | electricity | gas


@model
class Bill(Model):
    id: str
    family: str  # utility | nontax | fine | insurance
    kind: str  # water | electricity | gas | nontax | fine | insurance
    kind_label: str
    provider: Provider | None
    account_number: str | None  # 户号 of utility bills
    pay_code: str | None  # 缴款识别码 of non-tax fees and fines
    agency: str
    item: str
    person_id: str
    payer_name: str  # masked
    period: str | None  # YYYY-MM for utilities, YYYY for insurance
    amount_fen: int
    late_fee_fen: int
    total_due_fen: int  # 0 once paid
    due_date: date
    overdue_days: int
    expires_on: date | None
    expired: bool
    status: str  # unpaid | paid
    payment_rule: str  # exact | at_least
    paid_payment_id: str | None
    paid_at: datetime | None


@model
class BillTotals(Model):
    count: int
    amount_fen: int
    late_fee_fen: int
    total_due_fen: int


@model
class BillList(Model):
    items: tuple[Bill, ...]
    totals: BillTotals  # over the listed unpaid bills


@model
class UtilityAccount(Model):
    number: str  # 户号
    provider: Provider
    holder_name: str  # masked
    address: str  # masked
    customer_type: str  # resident | business
    prepaid_fen: int


@model
class BillLookup(Model):
    account: UtilityAccount | None  # null for a look-up by payment code
    bills: tuple[Bill, ...]


@model
class Receipt(Model):
    """The fiscal e-bill (财政电子票据) of a payment."""

    payment_id: str
    bill_code: str
    bill_number: str
    check_code: str
    issued_at: datetime
    amount_fen: int
    amount_in_words: str
    payer_name: str
    agency: str
    item: str


@model
class Payment(Model):
    id: str
    bill_id: str
    payer_id: str
    status: str  # succeeded | pending | failed
    channel: str
    amount_fen: int  # owed + late fee + prepaid
    owed_fen: int
    late_fee_fen: int
    prepaid_fen: int
    created_at: datetime
    completed_at: datetime | None
    bill: Bill
    receipt: Receipt | None


@model
class BillSummary(Model):
    id: str
    family: str
    kind: str
    kind_label: str
    agency: str
    item: str
    period: str | None
    person_id: str
    payer_name: str  # masked


@model
class PaymentSummary(Model):
    """A payment in the list of my payments."""

    id: str
    bill_id: str
    payer_id: str
    status: str
    amount_fen: int
    owed_fen: int
    late_fee_fen: int
    prepaid_fen: int
    created_at: datetime
    completed_at: datetime | None
    bill: BillSummary


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


# --- messages --------------------------------------------------------------------------------------
@model
class Message(Model):
    id: int
    kind: str
    title: str
    body: str
    ref_type: str | None
    ref_id: str | None
    created_at: datetime
    read: bool


@model
class MessageList(Model):
    items: tuple[Message, ...]  # newest first
    unread: int


@model
class UnreadCount(Model):
    unread: int


# --- admin -----------------------------------------------------------------------------------------
@model
class SandboxClock(Model):
    now: datetime
    frozen: bool


@model
class Snapshot(Model):
    name: str
    sandbox: str
    taken_at: datetime  # the sandbox's time when it was taken


@model
class SandboxInfo(Model):
    id: str
    seed: int
    start: datetime
    clock: SandboxClock


_SMS_CODE = re.compile(r"验证码(?:是|为)?\s*(\d{4,8})")


@model
class OutboxSms(Model):
    """A text the mock backend 'sent' (it sends none: it keeps them in an outbox)."""

    id: int
    phone: str
    text: str = _secret()
    sent_at: datetime

    @property
    def code(self) -> str | None:
        """The security code in a login text, if it is one."""
        found = _SMS_CODE.search(self.text)
        return found.group(1) if found else None
