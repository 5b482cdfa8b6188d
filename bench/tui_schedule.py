"""Schedule screen benchmark: a department with 2,000 time windows across 7 days, painted by the TUI.
Prints a table.

    .venv/bin/python bench/tui_schedule.py               # 40 day switches, 200 key presses per case
    .venv/bin/python bench/tui_schedule.py --presses 500  # more key presses
    .venv/bin/python bench/tui_schedule.py --size 160x50  # a larger terminal

Targets: under 100 ms from the data's arrival to the painted schedule; under 16 ms a key press.

How it measures
- The data are API models built here (`DateStrip`, `Schedule` -> `DoctorSchedule` -> `ClinicSession` ->
  `TimeWindow`), served by a fake `ApiClient` that answers at once: the measure is the client, not the
  network or the backend. Two departments: "week" has 2,002 windows spread over 7 days (about 286 a day:
  20 or 21 doctors, two half days of 7 windows each), "one day" has all 2,002 windows on its first day
  (143 doctors, 286 sessions).
- The app is the real `ZhelibanApp` under Textual's Pilot (`app.run_test`, headless), on the real
  `ScheduleScreen` pushed as it is after choosing patient, hospital and department.
- A key is sent as the terminal driver sends it (a `Key` event), not with `Pilot.press`, which sleeps
  at least 3 x 20 ms per key waiting for the process to look idle. The harness then waits until the
  app, the screen and the schedule's widgets have handled every message, and those their handlers
  posted in turn (one callback queued behind each message pump, round after round until a round finds
  nothing pending), and then renders the update as the screen's refresh timer would at its next tick
  (`Screen._on_timer_update`: layout if needed, then the changed regions composed for the terminal).
  The refresh timer's own wait (up to 1/60 s, Textual's frame pacing) is not counted.
- Paint: the clock starts when the fake API hands the day's `Schedule` to the screen's worker (the
  last instant before the client's own work) and stops when that update is rendered. The day measured
  is the first (the full one in both cases), reached with `[` from the second day each time.
- Key press: `down`/`up` through the sessions table (each press moves the cursor, refills the windows
  table for the new session, scrolls when needed), then through the windows of a session with 120
  windows; from the key to the rendered update. Median, p99 and max of each, in wall time and in this
  process's CPU time (wall far above CPU means another program had the CPU).
- One warm-up round of each kind (not counted): the first paint imports and caches what later ones reuse.
- Full (generation 2) garbage collections during the run are counted and timed: with CPython's default
  thresholds one comes every 20 or so updates and takes 70-130 ms here (it walks every object of the
  app), which is what the p99 of a key press meets; `--gc-threshold 10000,50,100` shows the same run
  with far fewer of them.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from datetime import date, datetime, time as clock_time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zheliban_tui.api.models import (BookingDay, ClinicSession, DateStrip, Department, DoctorBrief,  # noqa: E402
                                     DoctorSchedule, Hospital, Me, Schedule, TimeWindow)
from zheliban_tui.booking_format import Patient  # noqa: E402
from zheliban_tui.booking_policy import SHANGHAI  # noqa: E402

PAINT_TARGET_MS = 100.0
KEY_TARGET_MS = 16.0
TODAY = date(2026, 6, 15)
WINDOWS_PER_SESSION = 7
TOTAL_WINDOWS = 2_002
LONG_SESSION_WINDOWS = 120
TITLES = ("知名专家 主任医师", "主任医师", "副主任医师", "主治医师")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明")


# ---- the data -----------------------------------------------------------------------------------------
def _windows(prefix: str, day: date, period: str, count: int) -> tuple[TimeWindow, ...]:
    first = datetime.combine(day, clock_time(8, 0) if period == "am" else clock_time(13, 30), SHANGHAI)
    return tuple(TimeWindow(id=f"W{prefix}{n:03d}", starts_at=first + timedelta(minutes=30 * n),
                            ends_at=first + timedelta(minutes=30 * n + 30), capacity=4, remaining=(n * 7) % 5)
                 for n in range(count))


def _session(sid: str, day: date, period: str, count: int) -> ClinicSession:
    windows = _windows(sid, day, period, count)
    remaining = sum(w.remaining for w in windows)
    return ClinicSession(id=sid, period=period, period_label="上午" if period == "am" else "下午",
                         total=4 * len(windows), remaining=remaining, full=remaining == 0, waiting=0,
                         windows=windows)


def _doctor(n: int) -> DoctorBrief:
    return DoctorBrief(id=f"HBD01R{n}", name=SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)],
                       title=TITLES[n % len(TITLES)], specialty="胸痛、高血压、冠心病"[: 2 + n % 6],
                       fee_fen=(2500, 3500, 5000, 10000)[n % 4])


def build_department(spread_days: int) -> dict[date, Schedule]:
    """2,002 windows over `spread_days` of the 7 days (7 windows a session, two sessions a doctor)."""
    days = [TODAY + timedelta(days=d) for d in range(1, 8)]
    sessions_total = TOTAL_WINDOWS // WINDOWS_PER_SESSION
    per_day = [sessions_total // spread_days + (1 if i < sessions_total % spread_days else 0)
               for i in range(spread_days)]
    schedules: dict[date, Schedule] = {}
    n_doctor = 0
    for i, day in enumerate(days):
        count = per_day[i] if i < spread_days else 0
        doctors = []
        made = 0
        while made < count:
            doctor = _doctor(n_doctor)
            n_doctor += 1
            periods = ("am", "pm")[: min(2, count - made)]
            sessions = tuple(_session(f"{i}{n_doctor:04d}{p}", day, p, WINDOWS_PER_SESSION) for p in periods)
            doctors.append(DoctorSchedule(doctor=doctor, sessions=sessions))
            made += len(sessions)
        if i == 0:  # one long session, to scroll through windows
            doctor = _doctor(n_doctor)
            n_doctor += 1
            doctors.append(DoctorSchedule(doctor=doctor, sessions=(
                _session("LONG", day, "am", LONG_SESSION_WINDOWS),)))
        schedules[day] = Schedule(department_id="HBD01", date=day, weekday=day.isoweekday(),
                                  weekday_label="周" + "一二三四五六日"[day.weekday()], in_range=True, released=True,
                                  opens_at=datetime.combine(day - timedelta(days=7), clock_time(7), SHANGHAI),
                                  bookable=True, doctors=tuple(doctors))
    return schedules


def windows_of(schedule: Schedule) -> int:
    return sum(len(s.windows) for d in schedule.doctors for s in d.sessions)


def date_strip(schedules: dict[date, Schedule]) -> DateStrip:
    cells = []
    for day, schedule in schedules.items():
        total = sum(s.total for d in schedule.doctors for s in d.sessions)
        remaining = sum(s.remaining for d in schedule.doctors for s in d.sessions)
        cells.append(BookingDay(date=day, weekday=day.isoweekday(), weekday_label=schedule.weekday_label,
                                released=True, opens_at=schedule.opens_at, total=total, remaining=remaining,
                                bookable=remaining > 0))
    return DateStrip(department_id="HBD01", today=TODAY, days=tuple(cells))


class FakeApi:
    """What the schedule screen asks of an `ApiClient`, answered at once from memory."""

    def __init__(self, schedules: dict[date, Schedule]) -> None:
        self.schedules = schedules
        self.strip = date_strip(schedules)
        self.on_tokens = None
        self.handed_over: dict[date, float] = {}  # day -> perf_counter() when its schedule was handed over

    async def department_dates(self, department_id: str) -> DateStrip:
        return self.strip

    async def schedule(self, department_id: str, day=None) -> Schedule:
        schedule = self.schedules[day]
        self.handed_over[day] = time.perf_counter()
        return schedule


# ---- measuring ------------------------------------------------------------------------------------------
def _resolve(future: asyncio.Future) -> None:
    future.set_result(None)


async def drain(app, widgets, max_rounds: int = 12) -> None:
    """Let `widgets` (and the app and screen) handle every pending message, and the messages those
    handlers post in turn, until a round finds nothing left to do. Each round queues one callback
    behind whatever each message pump holds and waits for them all (as `Pilot` does, but only for the
    pumps involved, so the harness adds next to nothing to what is measured)."""
    pumps = [app, app.screen, *widgets]
    for _ in range(max_rounds):
        busy = any(not pump._message_queue.empty() for pump in pumps)
        pending = [asyncio.get_running_loop().create_future() for _ in pumps]
        for pump, future in zip(pumps, pending):
            pump.call_later(_resolve, future)
        await asyncio.gather(*pending)
        if not busy:
            return


async def settle(app, widgets, condition) -> None:
    """Run until `condition()` holds (a worker answering counts), then drain the messages."""
    while not condition():
        await asyncio.sleep(0)
        await drain(app, widgets)
    await drain(app, widgets)


def paint(app) -> None:
    """Lay out what changed and render the update for the terminal now: what the screen's refresh timer
    (at most 60 a second) does at its next tick."""
    app.screen._on_timer_update()


async def send_key(app, key: str) -> None:
    """Send one key as the terminal driver does (without Pilot's idle waits, which sleep 20 ms a time)."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)


class CollectionTimer:
    """How long each full (generation 2) garbage collection takes while measuring."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.durations.append(ms(time.perf_counter() - self._started))

    def stop(self) -> list[float]:
        gc.callbacks.remove(self._callback)
        return self.durations


def ms(seconds: float) -> float:
    return seconds * 1000.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


async def measure(schedules: dict[date, Schedule], *, size: tuple[int, int], switches: int, presses: int) -> dict:
    from zheliban_tui.app import ZhelibanApp
    from zheliban_tui.credentials import CredentialStore
    from zheliban_tui.screens.schedule import ScheduleScreen

    api = FakeApi(schedules)
    app = ZhelibanApp(api, CredentialStore.in_memory("http://bench.invalid"),  # type: ignore[arg-type]
                      animate_countdowns=False)
    results: dict[str, list[float]] = {name: [] for name in ("paint", "sessions", "windows", "paint_cpu",
                                                             "sessions_cpu", "windows_cpu")}
    days = list(schedules)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.me = Me(id="C0001", name="*伟", id_number="3****", phone="137****9050", gender="male",
                    realname_level=3, family=(), unread_messages=0)
        hospital = Hospital(id="HB", name="基准测试医院", short_name="基准医院", level="三级甲等", district="杭州市上城区",
                            address="杭州市上城区", phone="0571-00000000", department_count=1)
        department = Department(id="HBD01", hospital_id="HB", name="心血管内科", category="内科", location="门诊A区4楼",
                                intro="胸痛、高血压", doctor_count=len(days))
        screen = ScheduleScreen(Patient("C0001", "*伟", "本人"), hospital, department)
        await app.push_screen(screen)
        collections = CollectionTimer()

        def showing(day: date):
            return lambda: screen.schedule is not None and screen.schedule.date == day

        strip = screen.query_one("#date-strip")
        sessions = screen.query_one("#sessions")
        windows = screen.query_one("#windows")
        widgets = [strip, sessions, windows, screen.query_one("#windows-title"), screen.query_one("#schedule-notice")]
        await settle(app, widgets, showing(days[0]))
        paint(app)
        await pilot.pause()

        # Paint: from the data's hand-over to the rendered update of the first day, coming back to it
        # from the second day each time.
        for n in range(switches + 1):
            await send_key(app, "right_square_bracket")
            await settle(app, widgets, showing(days[1]))
            paint(app)
            await pilot.pause()
            cpu = time.process_time()
            await send_key(app, "left_square_bracket")
            await settle(app, widgets, showing(days[0]))
            paint(app)
            done = time.perf_counter()
            if n:  # the first is the warm-up
                results["paint"].append(ms(done - api.handed_over[days[0]]))
                results["paint_cpu"].append(ms(time.process_time() - cpu))
            await pilot.pause()

        async def keys(table, count: int, name: str) -> None:
            table.focus()
            await pilot.pause()
            for n in range(presses + 1):
                key = "down" if (n // (count - 1)) % 2 == 0 else "up"
                start, cpu = time.perf_counter(), time.process_time()
                await send_key(app, key)
                await drain(app, widgets)
                paint(app)
                if n:
                    results[name].append(ms(time.perf_counter() - start))
                    results[name + "_cpu"].append(ms(time.process_time() - cpu))
                await asyncio.sleep(0.002)  # a pause between key strokes, as a held-down key repeats

        # Key presses in the sessions table of the first day, then in the windows of the long session.
        rows = len(screen.rows)
        await keys(sessions, rows, "sessions")
        long_row = next(i for i, (_, s) in enumerate(screen.rows) if s.id == "LONG")
        sessions.move_cursor(row=long_row)
        await settle(app, widgets, lambda: screen.session_id == "LONG")
        await keys(windows, LONG_SESSION_WINDOWS, "windows")
        results["rows"] = [float(rows)]
        results["gc"] = collections.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--switches", type=int, default=40, help="day switches measured per case")
    parser.add_argument("--presses", type=int, default=200, help="key presses measured per table")
    parser.add_argument("--size", default="110x40", help="terminal columns x rows")
    parser.add_argument("--gc-threshold", metavar="G0,G1,G2",
                        help="run with gc.set_threshold(G0, G1, G2) (the app keeps CPython's default 700,10,10), "
                             "e.g. 10000,50,100: far fewer full garbage collections")
    args = parser.parse_args()
    columns, lines = (int(v) for v in args.size.lower().split("x"))
    if args.gc_threshold:
        gc.set_threshold(*(int(v) for v in args.gc_threshold.split(",")))
    cases = [("week: 2,002 windows over 7 days", build_department(7)),
             ("one day: 2,002 windows on day 1", build_department(1))]
    print(f"terminal {columns}x{lines}; {args.switches} day switches and {args.presses} key presses per table "
          f"(after one warm-up each); gc thresholds {','.join(str(v) for v in gc.get_threshold())}")
    print()
    header = (f"{'case':<34}{'measure':<34}{'median ms':>10}{'p99 ms':>9}{'max ms':>9}{'cpu p50':>9}{'cpu p99':>9}"
              "  target (wall p99)")
    print(header)
    print("-" * len(header))
    failures = 0
    for name, schedules in cases:
        first = next(iter(schedules.values()))
        result = asyncio.run(measure(schedules, size=(columns, lines), switches=args.switches, presses=args.presses))
        full = result["gc"]
        rows = int(result["rows"][0])
        measures = [
            (f"paint a day ({windows_of(first)} windows)", "paint", PAINT_TARGET_MS),
            (f"key: down/up in {rows} sessions", "sessions", KEY_TARGET_MS),
            (f"key: down/up in {LONG_SESSION_WINDOWS} windows", "windows", KEY_TARGET_MS),
        ]
        for label, key, target in measures:
            values = result[key]
            median = statistics.median(values)
            worst = p99(values)
            ok = worst < target
            failures += not ok
            cpu = result[key + "_cpu"]
            print(f"{name:<34}{label:<34}{median:>10.2f}{worst:>9.2f}{max(values):>9.2f}"
                  f"{statistics.median(cpu):>9.2f}{p99(cpu):>9.2f}  < {target:.0f} {'ok' if ok else 'MISSED'}")
            name = ""
        if full:
            print(f"{'':<34}{f'full garbage collections: {len(full)}':<34}{statistics.median(full):>10.2f}"
                  f"{'':>9}{max(full):>9.2f}")
    print()
    print("every p99 within its target" if not failures else f"{failures} measure(s) missed the target (p99)")
    print("wall: elapsed time; cpu: this process's CPU time over the same span (process_time). Wall well above")
    print("cpu means the process waited for a CPU: other programs on the machine, not the client's work.")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
