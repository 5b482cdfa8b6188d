"""How bills and payments read on screen: kinds, families, states, cities, times.

The backend names kinds in Chinese (`kind_label`); the screens say them in the current language and
fall back to the backend's words for a kind this client does not know.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from .i18n import has_key, t

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

FAMILY_FILTERS = ("all", "utility", "public", "nontax", "fine", "insurance")
"""The family filter of the bills overview; `public` is non-tax fees and fines together (公共支付)."""
HISTORY_FAMILIES = ("all", "utility", "nontax", "fine", "insurance")
PUBLIC_FAMILIES = ("nontax", "fine")
UTILITY_KINDS = ("electricity", "water", "gas")


def _or(key: str, fallback: str) -> str:
    return t(key) if has_key(key) else fallback


def kind_text(kind: str, fallback: str = "") -> str:
    return _or(f"bill.kind.{kind}", fallback or kind)


def family_text(family: str, *, history: bool = False) -> str:
    return t("history.family_all") if history and family == "all" else t(f"bills.family.{family}")


def families_of(family_filter: str) -> tuple[str | None, ...]:
    """The backend's family filters behind one filter of the overview (None: every family)."""
    if family_filter == "all":
        return (None,)
    if family_filter == "public":
        return PUBLIC_FAMILIES
    return (family_filter,)


def city_text(code: str, name: str) -> str:
    return _or(f"city.{code}", name)


def bill_state(bill) -> str:
    """paid | expired | overdue | due: what the status column and the detail say."""
    if bill.status == "paid":
        return "paid"
    if bill.expired:
        return "expired"
    if bill.overdue_days > 0:
        return "overdue"
    return "due"


def state_text(bill) -> str:
    state = bill_state(bill)
    if state == "overdue":
        return t("bill.state.overdue", days=bill.overdue_days)
    return t(f"bill.state.{state}")


def payable(bill) -> bool:
    return bill.status == "unpaid" and not bill.expired


def what_text(bill) -> str:
    """The item, with the provider for utility bills (their item is only the kind)."""
    if bill.family == "utility" and bill.provider is not None:
        return bill.provider.name
    return bill.item


def local_time(instant: datetime) -> datetime:
    return instant.astimezone(SHANGHAI)


def table_time(instant: datetime | None) -> str:
    """YYYY-MM-DD HH:MM in Asia/Shanghai."""
    return "" if instant is None else local_time(instant).strftime("%Y-%m-%d %H:%M")


def day_text(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def state_style(app, state: str) -> str:
    """The Rich style of a bill state in the app's theme: overdue and expired red, paid green."""
    theme = app.current_theme
    colour = {"overdue": theme.error, "expired": theme.error, "paid": theme.success}.get(state)
    bold = "bold " if state in ("overdue", "expired") else ""
    return f"{bold}{colour}" if colour else ""
