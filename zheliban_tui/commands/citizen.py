"""The citizen's script commands: the same `api/` layer as the TUI, one command per action.

The session is kept between commands per server and sandbox, as the TUI keeps it: OS keyring first,
else a 0600 file in the user's state directory (one line on stderr says so), or the file named by
ZHELIBAN_SESSION_FILE. Each command resumes it with the kept refresh token.
"""
from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal, InvalidOperation
from typing import Any, Awaitable, Callable

from ..money import yuan
from .output import print_fields, print_table

PIN_ENV = "ZHELIBAN_PIN"
PASSWORD_ENV = "ZHELIBAN_PASSWORD"


class UsageError(Exception):
    """A wrong argument found after parsing (exit 2)."""


def read_secret(args: argparse.Namespace, flag: str, env: str, what: str) -> str:
    """A PIN or password from stdin (`--pin-stdin`, `--password-stdin`) or an environment variable,
    never from the command line, where `ps` would show it."""
    if getattr(args, flag, False):
        value = sys.stdin.readline().rstrip("\r\n")
    else:
        value = os.environ.get(env, "")
    if not value:
        raise UsageError(f"give the {what} on stdin (--{flag.replace('_', '-')}) or in ${env}")
    return value


def fen_of(text: str) -> int:
    """'12.5' yuan -> 1250 fen; more than two decimals, a sign or garbage is a usage error."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"--amount must be yuan like 12.50, not {text!r}") from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")) or value > 10**9:
        raise UsageError(f"--amount must be a positive amount of yuan with at most two decimals, not {text!r}")
    return int(value * 100)


# ---- each command: (api, args, session) -> (result, print_human) -----------------------------
Handler = Callable[..., Awaitable[tuple[Any, Callable[[Any], None]]]]


async def sms_code(api, args, session):
    sent = await api.send_sms_code(args.phone)
    return sent, lambda r: print_fields([("sent to", r.phone), ("valid for (s)", r.expires_in),
                                         ("resend after (s)", r.resend_after), ("sends left today", r.sends_left_today)])


async def login(api, args, session):
    if args.code is not None:
        tokens = await api.login_sms(args.phone, args.code)
    else:
        password = read_secret(args, "password_stdin", PASSWORD_ENV, "password")
        tokens = await api.login_password(args.phone, password)
    me = await api.me()
    result = {"citizen_id": tokens.citizen_id, "name": me.name, "realname_level": me.realname_level,
              "session_kept_in": session.store.where}
    return result, lambda r: print(f"logged in as {r['name']} ({r['citizen_id']}); session kept in {r['session_kept_in']}")


async def logout(api, args, session):
    confirmed = await api.logout()
    return {"logged_out": True, "server_confirmed": confirmed}, lambda r: print("logged out")


async def me(api, args, session):
    who = await api.me()
    return who, lambda r: (print_fields([("id", r.id), ("name", r.name), ("id number", r.id_number),
                                         ("phone", r.phone), ("real-name level", r.realname_level),
                                         ("unread messages", r.unread_messages)]),
                           print_table(("family id", "name", "relation"),
                                       ((f.id, f.name, f.relation) for f in r.family)) if r.family else None)


async def messages(api, args, session):
    found = await api.messages(unread_only=args.unread)
    return found, lambda r: print_table(("id", "time", "read", "title"),
                                        ((m.id, m.created_at.strftime("%Y-%m-%d %H:%M"), "yes" if m.read else "no",
                                          m.title) for m in r.items))


def _card_rows(cards):
    return (("id", "holder", "relation", "card number", "status"),
            ((c.id, c.holder_name, c.relation, c.card_number, c.status) for c in cards))


async def card(api, args, session):
    action = getattr(args, "card_action", None)
    if action == "qr":
        cards = await api.cards()
        target = args.card_id or (cards[0].id if cards else None)
        if target is None:
            raise UsageError("this citizen has no card")
        qr = await api.issue_qr(target)
        return qr, lambda r: print_fields([("card", r.card_id), ("payload", r.payload),
                                           ("numeric code", r.numeric_code), ("expires at", r.expires_at.isoformat())])
    if action == "verify":
        verified = await api.verify_qr(args.code.replace(" ", ""))
        return verified, lambda r: print_fields([("valid", r.valid), ("holder", r.holder.name),
                                                 ("id number", r.holder.id_number), ("card", r.card.card_number),
                                                 ("city", r.card.city_name)])
    cards = await api.cards()
    if args.reveal:
        pin = read_secret(args, "pin_stdin", PIN_ENV, "card PIN")
        target = args.card_id or (cards[0].id if cards else None)
        full = await api.reveal_card(target, pin)
        return full, lambda r: print_fields([("holder", r.holder_name), ("id number", r.social_security_number),
                                             ("card number", r.card_number), ("bank card", r.bank_card_number),
                                             ("status", r.status)])
    return cards, lambda r: print_table(*_card_rows(r))


def _bill_rows(bills):
    return (("id", "kind", "item", "payer", "due", "late fee", "status"),
            ((b.id, b.kind_label, b.item, b.payer_name, yuan(b.amount_fen), yuan(b.late_fee_fen), b.status)
             for b in bills))


async def bills(api, args, session):
    if getattr(args, "bills_action", None) == "lookup":
        if bool(args.account) == bool(args.pay_code):
            raise UsageError("give exactly one of --account NO or --pay-code CODE")
        found = await api.lookup_bills(account_number=args.account, provider_id=args.provider, pay_code=args.pay_code)
        return found, lambda r: print_table(*_bill_rows(r.bills))
    found = await api.bills(args.status)
    return found, lambda r: print_table(*_bill_rows(r.items))


async def pay(api, args, session):
    from ..api import new_idempotency_key

    pin = read_secret(args, "pin_stdin", PIN_ENV, "payment PIN")
    amount = fen_of(args.amount) if args.amount is not None else None
    key = args.idempotency_key or new_idempotency_key()
    payment = await api.pay(args.bill_id, pin, idempotency_key=key, amount_fen=amount)
    return payment, lambda r: print_fields([("payment", r.id), ("status", r.status), ("amount", yuan(r.amount_fen)),
                                            ("idempotency key", key),
                                            ("receipt", r.receipt.bill_number if r.receipt else "")])


async def payments(api, args, session):
    found = await api.payments()
    return found, lambda r: print_table(("id", "time", "bill", "item", "amount", "status"),
                                        ((p.id, p.created_at.strftime("%Y-%m-%d %H:%M"), p.bill.id, p.bill.item,
                                          yuan(p.amount_fen), p.status) for p in r))


async def receipt(api, args, session):
    found = await api.receipt(args.payment_id)
    return found, lambda r: print_fields([("bill code", r.bill_code), ("bill number", r.bill_number),
                                          ("check code", r.check_code), ("issued", r.issued_at.isoformat()),
                                          ("amount", yuan(r.amount_fen)), ("in words", r.amount_in_words),
                                          ("payer", r.payer_name), ("agency", r.agency), ("item", r.item)])


async def hospitals(api, args, session):
    found = await api.hospitals(args.q)
    return found, lambda r: print_table(("id", "name", "level", "district", "departments"),
                                        ((h.id, h.name, h.level, h.district, h.department_count) for h in r))


async def departments(api, args, session):
    found = await api.departments(args.hospital_id)
    return found, lambda r: print_table(("id", "name", "category", "location", "doctors"),
                                        ((d.id, d.name, d.category, d.location, d.doctor_count) for d in r))


async def schedule(api, args, session):
    found = await api.schedule(args.department_id, args.date)

    def human(r):
        rows = []
        for doctor in r.doctors:
            for clinic in doctor.sessions:
                for window in clinic.windows:
                    rows.append((window.id, doctor.doctor.name, clinic.period_label,
                                 f"{window.starts_at:%H:%M}-{window.ends_at:%H:%M}", window.remaining))
        print_table(("window", "doctor", "session", "time", "left"), rows, title=f"{r.date} {r.weekday_label}")
    return found, human


async def book(api, args, session):
    from ..api import new_idempotency_key

    key = args.idempotency_key or new_idempotency_key()
    booked = await api.book(args.window_id, idempotency_key=key, patient_id=args.patient)
    return booked, lambda r: print_fields([("appointment", r.id), ("booking number", r.booking_number),
                                           ("queue number", r.queue_number), ("patient", r.patient.name),
                                           ("hospital", r.hospital.name), ("department", r.department.name),
                                           ("date", f"{r.date} {r.period_label}"), ("idempotency key", key)])


def _appointment_rows(items):
    return (("id", "date", "session", "hospital", "department", "patient", "status"),
            ((a.id, str(a.date), a.period_label, a.hospital.name, a.department.name, a.patient.name, a.status_label)
             for a in items))


async def appointments(api, args, session):
    found = await api.appointments()
    return found, lambda r: print_table(*_appointment_rows(r))


async def cancel(api, args, session):
    cancelled = await api.cancel_appointment(args.appointment_id)
    return cancelled, lambda r: print_table(*_appointment_rows([r]))


COMMANDS: dict[str, Handler] = {
    "sms-code": sms_code, "login": login, "logout": logout, "me": me, "messages": messages, "card": card,
    "bills": bills, "pay": pay, "payments": payments, "receipt": receipt, "hospitals": hospitals,
    "departments": departments, "schedule": schedule, "book": book, "appointments": appointments, "cancel": cancel,
}
NO_SESSION_NEEDED = {"sms-code", "login", "hospitals", "departments"}


def add_parsers(commands, common: argparse.ArgumentParser) -> None:
    """The citizen commands on the `zheliban` parser (`common` carries --server, --sandbox, --json)."""
    add = lambda name, help_: commands.add_parser(name, help=help_, parents=[common])  # noqa: E731
    p = add("sms-code", "ask for an SMS login code")
    p.add_argument("--phone", required=True)
    p = add("login", "log in with an SMS code or a password (from stdin or $ZHELIBAN_PASSWORD)")
    p.add_argument("--phone", required=True, help="mobile number (or ID number with a password)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--code", help="the SMS code")
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add("logout", "log out and forget the session")
    add("me", "who is logged in")
    p = add("messages", "messages, newest first")
    p.add_argument("--unread", action="store_true", help="unread ones only")
    p = add("card", "the social-security cards; `card qr`, `card verify CODE`")
    p.add_argument("--reveal", action="store_true", help="full details (card PIN from stdin or $ZHELIBAN_PIN)")
    p.add_argument("--pin-stdin", action="store_true", help="read the card PIN from stdin")
    p.add_argument("--card-id", help="which card (default: one's own)")
    card_actions = p.add_subparsers(dest="card_action", metavar="ACTION")
    q = card_actions.add_parser("qr", help="issue a QR code (payload and numeric code)", parents=[common])
    q.add_argument("--card-id", help="which card (default: one's own)")
    q = card_actions.add_parser("verify", help="verify a QR payload or numeric code (as a counter does)",
                                parents=[common])
    q.add_argument("code", metavar="PAYLOAD_OR_NUMERIC_CODE")
    p = add("bills", "my bills; `bills lookup --account NO | --pay-code CODE`")
    p.add_argument("--status", choices=("unpaid", "paid", "all"), default="unpaid")
    bill_actions = p.add_subparsers(dest="bills_action", metavar="ACTION")
    q = bill_actions.add_parser("lookup", help="find bills by 户号 or payment code", parents=[common])
    q.add_argument("--account", help="utility account number (户号)")
    q.add_argument("--provider", help="utility provider id (see the providers of the city)")
    q.add_argument("--pay-code", help="payment code of a non-tax fee or fine")
    p = add("pay", "pay a bill (payment PIN from stdin or $ZHELIBAN_PIN)")
    p.add_argument("bill_id")
    p.add_argument("--pin-stdin", action="store_true", help="read the payment PIN from stdin")
    p.add_argument("--amount", help="yuan, where the bill allows another amount (prepayment)")
    p.add_argument("--idempotency-key", help="reuse a key to retry the same payment safely")
    add("payments", "payment history")
    p = add("receipt", "the e-receipt of a payment")
    p.add_argument("payment_id")
    p = add("hospitals", "hospitals")
    p.add_argument("--q", help="search by name")
    p = add("departments", "departments of a hospital")
    p.add_argument("hospital_id")
    p = add("schedule", "a department's schedule of a day")
    p.add_argument("department_id")
    p.add_argument("--date", help="YYYY-MM-DD (default: the first bookable day)")
    p = add("book", "book a 30-minute window")
    p.add_argument("window_id")
    p.add_argument("--patient", help="a family member's id (default: oneself)")
    p.add_argument("--idempotency-key", help="reuse a key to retry the same booking safely")
    add("appointments", "my appointments")
    p = add("cancel", "cancel an appointment")
    p.add_argument("appointment_id")
