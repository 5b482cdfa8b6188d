"""The rules of hospital booking (预约挂号), free of storage and HTTP.

Every function takes the current time (or the day in question) as an argument and reads its numbers
from a ``Settings``-like object: bookable days ahead, release time, cancel deadline, no-show ban.
Instants are timezone-aware; dates are the visit's calendar day in Asia/Shanghai.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Iterable, Protocol

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991

WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
PERIOD_LABELS = {"am": "上午", "pm": "下午"}
PERIODS = tuple(PERIOD_LABELS)

# Why a day cannot be booked at a given instant (the problem codes of the API).
OUT_OF_RANGE = "DATE_OUT_OF_RANGE"
NOT_YET_RELEASED = "NOT_YET_RELEASED"


class BookingSettings(Protocol):
    booking_min_days_ahead: int
    booking_max_days_ahead: int
    booking_release_time: time
    cancel_deadline_time: time
    no_show_limit: int
    no_show_window_days: int
    no_show_ban_days: int
    checkin_minutes_before: int


def _local(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("the current time must be timezone-aware")
    return now.astimezone(SHANGHAI)


def _at(day: date, at: time, tz: tzinfo = SHANGHAI) -> datetime:
    return datetime.combine(day, at, tz)


# --- calendar labels -----------------------------------------------------------------------------
def weekday_number(day: date) -> int:
    """1 = Monday ... 7 = Sunday."""
    return day.isoweekday()


def weekday_label(day: date) -> str:
    """周一 .. 周日."""
    return WEEKDAY_LABELS[day.weekday()]


def period_label(period: str) -> str:
    """上午 for ``am``, 下午 for ``pm``."""
    return PERIOD_LABELS[period]


def date_in_words(day: date) -> str:
    """Prose form: 2026年6月16日."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- which days can be booked --------------------------------------------------------------------
def bookable_days(now: datetime, settings: BookingSettings) -> list[date]:
    """The date strip: today + min days ahead .. today + max days ahead (released or not)."""
    today = _local(now).date()
    return [today + timedelta(days=n)
            for n in range(settings.booking_min_days_ahead, settings.booking_max_days_ahead + 1)]


def days_ahead(day: date, now: datetime) -> int:
    return (day - _local(now).date()).days


def in_range(day: date, now: datetime, settings: BookingSettings) -> bool:
    """True when ``day`` lies min..max days after today (today itself is never bookable by default)."""
    return settings.booking_min_days_ahead <= days_ahead(day, now) <= settings.booking_max_days_ahead


def opens_at(day: date, settings: BookingSettings) -> datetime:
    """When ``day`` opens for booking: the release time, max-days-ahead days before it (07:00 on D-7)."""
    return _at(day - timedelta(days=settings.booking_max_days_ahead), settings.booking_release_time)


def is_released(day: date, now: datetime, settings: BookingSettings) -> bool:
    return _local(now) >= opens_at(day, settings)


def date_refusal(day: date, now: datetime, settings: BookingSettings) -> str | None:
    """None when ``day`` can be booked now; else OUT_OF_RANGE or NOT_YET_RELEASED."""
    if not in_range(day, now, settings):
        return OUT_OF_RANGE
    if not is_released(day, now, settings):
        return NOT_YET_RELEASED
    return None


# --- cancelling ----------------------------------------------------------------------------------
def cancel_deadline(day: date, settings: BookingSettings) -> datetime:
    """The last instant to cancel (exclusive): the deadline time on the day before the visit."""
    return _at(day - timedelta(days=1), settings.cancel_deadline_time)


def may_cancel(day: date, now: datetime, settings: BookingSettings) -> bool:
    """True strictly before the deadline: at 14:59:59 yes, at 15:00:00 no (default settings)."""
    return _local(now) < cancel_deadline(day, settings)


# --- check-in ------------------------------------------------------------------------------------
def checkin_at(window_starts_at: datetime, settings: BookingSettings) -> datetime:
    """When the patient should check in: some minutes before the window (30 by default)."""
    return window_starts_at - timedelta(minutes=settings.checkin_minutes_before)


# --- the no-show ban -----------------------------------------------------------------------------
def no_show_history_start(now: datetime, settings: BookingSettings) -> datetime:
    """No-shows older than this cannot bear on a ban in force at ``now`` (a query may skip them)."""
    return _local(now) - timedelta(days=settings.no_show_window_days + settings.no_show_ban_days)


def ban_end(no_shows: Iterable[datetime], settings: BookingSettings) -> datetime | None:
    """The end of the latest ban that these no-shows caused, or None.

    ``no_show_limit`` no-shows within ``no_show_window_days`` (first to last) ban online booking for
    ``no_show_ban_days`` from the no-show that completed the count. A no-show is dated by the end of
    its time window (the moment the visit was missed).
    """
    times = sorted(_local(t) for t in no_shows)
    limit = settings.no_show_limit
    if limit <= 0 or len(times) < limit:
        return None
    window = timedelta(days=settings.no_show_window_days)
    end: datetime | None = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window:
            candidate = times[i] + timedelta(days=settings.no_show_ban_days)
            end = candidate if end is None or candidate > end else end
    return end


def banned_until(no_shows: Iterable[datetime], now: datetime, settings: BookingSettings) -> datetime | None:
    """The end of a ban in force at ``now``, or None when the patient may book."""
    end = ban_end(no_shows, settings)
    if end is not None and _local(now) < end:
        return end
    return None
