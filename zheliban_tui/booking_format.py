"""Words and numbers of the booking screens in the current language: days, weekdays, periods, doctors'
titles, statuses, patients, and the refusals of the backend with the values they carry.

Tables show days as YYYY-MM-DD and times as 24-hour HH:MM; prose shows 2026年6月16日（周二） in Chinese
and Tue 16 Jun 2026 in English.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from .booking_policy import SHANGHAI
from .i18n import error_text, language, t

if TYPE_CHECKING:
    from .api import ApiError
    from .api.models import Me

SELF_RELATION = "本人"
RELATIONS = {"本人": "self", "配偶": "spouse", "子女": "child", "父母": "parent"}
TITLE_WORDS = {"知名专家": "expert", "主任医师": "chief", "副主任医师": "associate", "主治医师": "attending",
               "住院医师": "resident"}
APPOINTMENT_STATUSES = ("booked", "cancelled", "attended", "no_show")
WAITLIST_STATUSES = ("waiting", "promoted", "cancelled")
MESSAGE_KINDS = ("system", "booking", "cancellation", "waitlist_joined", "waitlist_promoted", "payment")
PERIODS = ("am", "pm")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Failures worth a Retry button: nothing definite came back (the same request may well succeed).
RETRYABLE_CODES = frozenset({"NETWORK_UNREACHABLE", "NETWORK_TIMEOUT", "SERVER_ERROR", "BAD_RESPONSE",
                             "INTERNAL_ERROR", "IDEMPOTENCY_IN_PROGRESS"})


@dataclass(frozen=True)
class Patient:
    """Who the booking is for: the citizen (relation 本人) or one of the family members."""

    id: str
    name: str  # masked
    relation: str  # 本人, 配偶, 子女, 父母

    @property
    def is_self(self) -> bool:
        return self.relation == SELF_RELATION


def patients_of(me: "Me | None") -> list[Patient]:
    if me is None:
        return []
    return [Patient(me.id, me.name, SELF_RELATION),
            *(Patient(member.id, member.name, member.relation) for member in me.family)]


# ---- words ---------------------------------------------------------------------------------------
def relation_text(relation: str) -> str:
    key = RELATIONS.get(relation)
    return t(f"card.relation.{key}") if key else relation


def patient_text(name: str, relation: str) -> str:
    return f"{relation_text(relation)} {name}"


def weekday_text(weekday: int) -> str:
    """1 = Monday ... 7 = Sunday: 周一 / Mon."""
    return t(f"booking.weekday.{weekday}")


def period_text(period: str) -> str:
    return t(f"booking.period.{period}") if period in PERIODS else period


def doctor_title(title: str) -> str:
    """知名专家 主任医师 -> "Expert Chief phys." in English; in Chinese as the backend says it."""
    if language() == "zh":
        return title
    words = [t(f"booking.doctor_title.{TITLE_WORDS[w]}") if w in TITLE_WORDS else w for w in title.split()]
    return " ".join(words)


def status_text(status: str) -> str:
    return t(f"appointments.status.{status}") if status in APPOINTMENT_STATUSES else status


def waitlist_status_text(status: str) -> str:
    return t(f"appointments.waitlist_status.{status}") if status in WAITLIST_STATUSES else status


def message_kind_text(kind: str) -> str:
    return t(f"messages.kind.{kind}") if kind in MESSAGE_KINDS else kind


# ---- days and times --------------------------------------------------------------------------------
def local(instant: datetime) -> datetime:
    return instant.astimezone(SHANGHAI)


def day_words(day: date) -> str:
    """2026年6月16日（周二） / Tue 16 Jun 2026."""
    weekday = weekday_text(day.isoweekday())
    if language() == "zh":
        return f"{day.year}年{day.month}月{day.day}日（{weekday}）"
    return f"{weekday} {day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def when_words(instant: datetime) -> str:
    """6月15日 15:00 / 15 Jun 15:00 (prose, in Shanghai time)."""
    at = local(instant)
    if language() == "zh":
        return f"{at.month}月{at.day}日 {at:%H:%M}"
    return f"{at.day} {EN_MONTHS[at.month - 1]} {at:%H:%M}"


def table_day(day: date) -> str:
    return day.isoformat()


def clock(instant: datetime) -> str:
    return f"{local(instant):%H:%M}"


def span(starts_at: datetime, ends_at: datetime) -> str:
    return f"{clock(starts_at)}-{clock(ends_at)}"


def table_when(instant: datetime) -> str:
    return f"{local(instant):%Y-%m-%d %H:%M}"


# ---- refusals --------------------------------------------------------------------------------------
def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def booking_error(err: "ApiError") -> str:
    """A refusal of the booking routes in words, with what the backend says about it (a deadline, the
    day a ban ends, the hour a day opens, a limit ...)."""
    extra = err.extra or {}
    values: dict[str, object] = {}
    for name in ("deadline", "opens_at", "banned_until"):
        instant = _instant(extra.get(name))
        if instant is not None:
            values[name] = when_words(instant)
    for name in ("date", "first_day", "last_day"):
        day = _day(extra.get(name))
        if day is not None:
            values[name] = day_words(day)
    for name in ("limit", "remaining"):
        if isinstance(extra.get(name), int):
            values[name] = extra[name]
    if isinstance(extra.get("current_status"), str):
        values["status"] = status_text(extra["current_status"])
    if err.tries_left is not None:
        values["tries_left"] = err.tries_left
    if err.retry_after is not None:
        values["seconds"] = int(err.retry_after)
        values["minutes"] = max(1, (int(err.retry_after) + 59) // 60)
    return error_text(err.code, err.detail, **values)


def retryable(err: "ApiError") -> bool:
    """No definite answer came: the same request may be sent again (a booking with the same key)."""
    return err.code in RETRYABLE_CODES
