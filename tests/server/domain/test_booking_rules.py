"""Booking rules: the date strip, release at 07:00 seven days ahead, the cancel deadline, the no-show ban."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from mock_server.domain import booking_rules as rules
from mock_server.settings import DEFAULT_SETTINGS

S = DEFAULT_SETTINGS
TZ = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_labels():
    assert rules.weekday_label(date(2026, 6, 15)) == "周一"
    assert rules.weekday_label(date(2026, 6, 21)) == "周日"
    assert rules.weekday_number(date(2026, 6, 21)) == 7
    assert rules.period_label("am") == "上午" and rules.period_label("pm") == "下午"
    assert rules.date_in_words(date(2025, 6, 19)) == "2025年6月19日"


def test_the_strip_is_tomorrow_to_seven_days_ahead():
    days = rules.bookable_days(at("2026-06-15T09:00:00+08:00"), S)
    assert days[0] == date(2026, 6, 16) and days[-1] == date(2026, 6, 22) and len(days) == 7


def test_today_and_the_eighth_day_are_out_of_range():
    now = at("2026-06-15T09:00:00+08:00")
    assert rules.date_refusal(date(2026, 6, 15), now, S) == rules.OUT_OF_RANGE
    assert rules.date_refusal(date(2026, 6, 14), now, S) == rules.OUT_OF_RANGE
    assert rules.date_refusal(date(2026, 6, 23), now, S) == rules.OUT_OF_RANGE
    assert rules.date_refusal(date(2026, 6, 16), now, S) is None
    assert rules.date_refusal(date(2026, 6, 22), now, S) is None


def test_the_seventh_day_opens_at_seven():
    day = date(2026, 6, 22)
    assert rules.opens_at(day, S) == at("2026-06-15T07:00:00+08:00")
    assert rules.date_refusal(day, at("2026-06-15T06:59:59+08:00"), S) == rules.NOT_YET_RELEASED
    assert rules.date_refusal(day, at("2026-06-15T07:00:00+08:00"), S) is None
    # the sixth day opened yesterday morning
    assert rules.date_refusal(date(2026, 6, 21), at("2026-06-15T06:59:59+08:00"), S) is None


def test_the_day_is_the_shanghai_calendar_day():
    # 23:30 UTC on the 14th is 07:30 on the 15th in Hangzhou
    now = datetime(2026, 6, 14, 23, 30, tzinfo=timezone.utc)
    assert rules.bookable_days(now, S)[0] == date(2026, 6, 16)
    assert rules.is_released(date(2026, 6, 22), now, S)


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        rules.in_range(date(2026, 6, 16), datetime(2026, 6, 15, 9), S)


def test_cancel_deadline_is_three_pm_the_day_before():
    day = date(2026, 6, 17)
    assert rules.cancel_deadline(day, S) == at("2026-06-16T15:00:00+08:00")
    assert rules.may_cancel(day, at("2026-06-16T14:59:59+08:00"), S)
    assert not rules.may_cancel(day, at("2026-06-16T15:00:00+08:00"), S)


def test_settings_change_the_rules():
    custom = S.with_overrides(booking_max_days_ahead=14, booking_release_time=time(8, 30),
                              cancel_deadline_time=time(12, 0))
    assert rules.opens_at(date(2026, 6, 29), custom) == at("2026-06-15T08:30:00+08:00")
    assert len(rules.bookable_days(at("2026-06-15T09:00:00+08:00"), custom)) == 14
    assert rules.cancel_deadline(date(2026, 6, 17), custom) == at("2026-06-16T12:00:00+08:00")


def test_checkin_is_thirty_minutes_before_the_window():
    assert rules.checkin_at(at("2026-06-16T08:00:00+08:00"), S) == at("2026-06-16T07:30:00+08:00")


def no_shows(*texts: str) -> list[datetime]:
    return [at(t) for t in texts]


def test_three_no_shows_within_ninety_days_ban_for_ninety_days_from_the_third():
    history = no_shows("2026-04-06T09:30:00+08:00", "2026-05-06T09:30:00+08:00", "2026-06-05T09:30:00+08:00")
    end = at("2026-09-03T09:30:00+08:00")
    assert rules.ban_end(history, S) == end
    assert rules.banned_until(history, at("2026-06-15T09:00:00+08:00"), S) == end
    assert rules.banned_until(history, end - timedelta(seconds=1), S) == end
    assert rules.banned_until(history, end, S) is None


def test_two_no_shows_or_three_spread_wider_than_the_window_do_not_ban():
    assert rules.ban_end(no_shows("2026-05-06T09:30:00+08:00", "2026-06-05T09:30:00+08:00"), S) is None
    spread = no_shows("2026-03-01T09:30:00+08:00", "2026-04-15T09:30:00+08:00", "2026-05-30T09:30:01+08:00")
    assert rules.ban_end(spread, S) is None
    exactly = no_shows("2026-03-01T09:30:00+08:00", "2026-04-15T09:30:00+08:00", "2026-05-30T09:30:00+08:00")
    assert rules.ban_end(exactly, S) == at("2026-08-28T09:30:00+08:00")


def test_the_latest_ban_counts_and_order_does_not_matter():
    history = no_shows("2026-06-05T09:30:00+08:00", "2026-01-01T09:30:00+08:00", "2026-05-06T09:30:00+08:00",
                       "2026-01-02T09:30:00+08:00", "2026-04-06T09:30:00+08:00", "2026-01-03T09:30:00+08:00")
    assert rules.ban_end(history, S) == at("2026-09-03T09:30:00+08:00")


def test_history_start_covers_window_and_ban():
    assert rules.no_show_history_start(at("2026-06-15T09:00:00+08:00"), S) == at("2025-12-17T09:00:00+08:00")
