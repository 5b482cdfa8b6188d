"""The booking rules the screens state before a citizen confirms (预约挂号).

The backend enforces them and refuses with a code; the client only needs them to say in advance what
will apply (the confirmation screen, the schedule's hints). They are our defaults from the domain brief,
kept here as named values, never as literals in a screen. The appointment the backend returns carries
the authoritative cancel deadline of that booking.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class BookingPolicy:
    min_days_ahead: int = 1                 # tomorrow is the first bookable day
    max_days_ahead: int = 7
    release_time: time = time(7, 0)         # a new day opens at 07:00, seven days before
    per_department_per_day: int = 1         # bookings of one patient in one department on one day
    per_day: int = 2                        # bookings of one patient on one day, across hospitals
    cancel_deadline_time: time = time(15, 0)  # on the day before the visit
    no_show_limit: int = 3                  # missed visits ...
    no_show_window_days: int = 90           # ... within this many days ...
    no_show_ban_days: int = 90              # ... suspend online booking this long
    checkin_minutes_before: int = 30

    def cancel_deadline(self, day: date) -> datetime:
        """The last instant (exclusive) an appointment on ``day`` can be cancelled."""
        return datetime.combine(day - timedelta(days=1), self.cancel_deadline_time, SHANGHAI)


POLICY = BookingPolicy()
