"""`make screenshots`: regenerate screenshots/*.svg and *.png from real runs of the TUI.

The TUI runs under Textual's Pilot, its `ApiClient` talking over a loopback socket to the mock backend
(in-process, seed 2025, clock frozen at Monday 2026-06-15 09:00 +08:00), exactly as `zheliban demo`
does. Each screen's SVG export is fixed for Chinese cell widths (``svgfix``) and converted to PNG with
rsvg-convert (Debian: librsvg2-bin, fonts-noto-cjk). Look at every PNG before committing it.

    python screenshots/generate.py [--only NAME ...] [--no-png] [--out DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screenshots.svgfix import fix_svg  # noqa: E402

OUT = ROOT / "screenshots"
SIZE = (110, 40)
START = "2026-06-15T09:00:00+08:00"
PASSWORD = "Zlb@2025"
ZHANG = "13705719050"
PAY_PIN = "258369"
PNG_WIDTH = 1400


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the screen did not get there: {pilot.app.screen!r}")
        await pilot.pause(0.05)
    await pilot.pause(0.2)


async def log_in(pilot) -> None:
    from zheliban_tui.screens.home import HomeScreen

    app = pilot.app
    await app.api.login_password(ZHANG, PASSWORD)
    app.logged_in(await app.api.me())
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query("#greeting")))


# --- the screens: each step gets a Pilot on a fresh app and leaves the screen to shoot ----------------
async def login(pilot) -> None:
    from zheliban_tui.screens.login import LoginScreen

    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))


async def home(pilot) -> None:
    await log_in(pilot)


async def card(pilot) -> None:
    from zheliban_tui.screens.card import CardScreen

    await log_in(pilot)
    pilot.app.open_service("card")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CardScreen) and pilot.app.screen.qr is not None)


async def bills(pilot) -> None:
    from zheliban_tui.screens.bills import BillsScreen

    await log_in(pilot)
    pilot.app.open_service("utilities")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BillsScreen) and len(pilot.app.screen.bills) > 0)


async def receipt(pilot) -> None:
    from zheliban_tui.api import new_idempotency_key
    from zheliban_tui.screens.receipt import ReceiptScreen

    await log_in(pilot)
    api = pilot.app.api
    unpaid = (await api.bills("unpaid")).items
    bill = next(b for b in unpaid if b.kind == "electricity" and b.overdue_days > 0)
    payment = await api.pay(bill.id, PAY_PIN, idempotency_key=new_idempotency_key())
    pilot.app.call_later(pilot.app.push_screen, ReceiptScreen(payment.id, payment=payment, just_paid=True))
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReceiptScreen) and pilot.app.screen.payment is not None)


async def hospitals(pilot) -> None:
    from zheliban_tui.screens.booking import BookingScreen

    await log_in(pilot)
    pilot.app.open_service("booking")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BookingScreen) and pilot.app.screen.hospitals is not None)


async def schedule(pilot) -> None:
    from zheliban_tui.screens.departments import DepartmentsScreen
    from zheliban_tui.screens.schedule import ScheduleScreen

    await hospitals(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DepartmentsScreen)
                   and pilot.app.screen.departments is not None)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ScheduleScreen) and pilot.app.screen.schedule is not None)


async def confirm(pilot) -> None:
    from zheliban_tui.screens.booking_confirm import BookingConfirmScreen

    await schedule(pilot)
    await pilot.press("enter", "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BookingConfirmScreen))


async def appointments(pilot) -> None:
    from zheliban_tui.screens.appointments import AppointmentsScreen
    from zheliban_tui.screens.booking_done import BookingDoneScreen

    await confirm(pilot)
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BookingDoneScreen))
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AppointmentsScreen)
                   and pilot.app.screen.appointments is not None)


Step = Callable[[object], Awaitable[None]]
# name -> (language, step, window title)
SHOTS: dict[str, tuple[str, Step, str]] = {
    "login": ("zh", login, "浙里办 · 登录"),
    "home": ("zh", home, "浙里办 · 首页"),
    "card": ("zh", card, "浙里办 · 电子社保卡"),
    "bills": ("zh", bills, "浙里办 · 生活缴费"),
    "receipt": ("zh", receipt, "浙里办 · 电子票据"),
    "hospitals": ("zh", hospitals, "浙里办 · 预约挂号"),
    "schedule": ("zh", schedule, "浙里办 · 排班"),
    "confirm": ("zh", confirm, "浙里办 · 确认预约"),
    "appointments": ("zh", appointments, "浙里办 · 我的预约"),
    "home-en": ("en", home, "Zheliban · Home"),
    "card-en": ("en", card, "Zheliban · Social security card"),
}


async def shoot(backend, name: str) -> str:
    from zheliban_tui.api import AdminClient, ApiClient, make_http_client
    from zheliban_tui.app import ZhelibanApp
    from zheliban_tui.credentials import CredentialStore
    from zheliban_tui.demo import demo_hooks

    language, step, title = SHOTS[name]
    http = make_http_client(backend.url)
    try:
        admin = AdminClient(http, backend.admin_key)
        app = ZhelibanApp(ApiClient(http), CredentialStore.in_memory(backend.url), language=language,
                          demo=demo_hooks(admin), animate_countdowns=False)
        async with app.run_test(size=SIZE) as pilot:
            await step(pilot)
            return app.export_screenshot(title=title)
    finally:
        await http.aclose()


async def generate(names: list[str], png: bool, out: Path = OUT) -> None:
    from zheliban_tui.api import AdminClient, make_http_client
    from zheliban_tui.demo import EmbeddedBackend

    with EmbeddedBackend(seed=2025, start=START) as backend:
        http = make_http_client(backend.url)
        await AdminClient(http, backend.admin_key).freeze_clock("demo")
        await http.aclose()
        for name in names:
            svg = fix_svg(await shoot(backend, name))
            path = out / f"{name}.svg"
            path.write_text(svg, encoding="utf-8")
            if png:
                subprocess.run(["rsvg-convert", "-w", str(PNG_WIDTH), str(path), "-o", str(path.with_suffix(".png"))],
                               check=True)
            print(f"{path}" + (" .png" if png else ""), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SHOTS), help="only these screens")
    parser.add_argument("--no-png", action="store_true", help="write the SVGs only")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder to write to (default screenshots/)")
    args = parser.parse_args(argv)
    png = not args.no_png
    if png and shutil.which("rsvg-convert") is None:
        print("screenshots: rsvg-convert is missing: install the Debian packages librsvg2-bin and fonts-noto-cjk "
              "(or pass --no-png)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(generate(args.only or list(SHOTS), png, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
