"""`zheliban admin ...`: sandboxes, clocks, SMS outboxes, faults and journals, through the admin API.

The admin key comes from --admin-key or $ZHELIBAN_ADMIN_KEY; the sandbox from --sandbox (default demo).
"""
from __future__ import annotations

import argparse
import os

from .citizen import UsageError
from .output import print_fields, print_table

ADMIN_KEY_ENV = "ZHELIBAN_ADMIN_KEY"


def admin_key(args: argparse.Namespace) -> str:
    key = getattr(args, "admin_key", None) or os.environ.get(ADMIN_KEY_ENV, "")
    if not key:
        raise UsageError(f"give the admin key with --admin-key or ${ADMIN_KEY_ENV}")
    return key


def _sandbox_fields(info):
    print_fields([("id", info.id), ("seed", info.seed), ("start", info.start.isoformat()),
                  ("clock", info.clock.now.isoformat()), ("frozen", info.clock.frozen)])


def _clock_fields(clock):
    print_fields([("now", clock.now.isoformat()), ("frozen", clock.frozen)])


async def run(admin, args):
    sandbox = args.sandbox or "demo"
    if args.admin_command == "sandbox":
        if args.sandbox_action == "create":
            info = await admin.create_sandbox(sandbox, seed=args.seed, start=args.start)
            return info, _sandbox_fields
        if args.sandbox_action == "reset":
            info = await admin.reset_sandbox(sandbox, seed=args.seed)
            return info, _sandbox_fields
        if args.sandbox_action == "snapshot":
            taken = await admin.snapshot(sandbox, args.name)
            return taken, lambda r: print_fields([("snapshot", r.name), ("sandbox", r.sandbox),
                                                  ("taken at", r.taken_at.isoformat())])
        if args.sandbox_action == "restore":
            return await admin.restore_snapshot(sandbox, args.name), _sandbox_fields
        if args.sandbox_action == "delete":
            await admin.delete_sandbox(sandbox)
            return {"deleted": sandbox}, lambda r: print(f"sandbox {sandbox} deleted")
        info = await admin.sandbox(sandbox)
        return info, _sandbox_fields
    if args.admin_command == "clock":
        if args.clock_action == "set":
            return await admin.set_clock(sandbox, args.instant, frozen=args.frozen), _clock_fields
        if args.clock_action == "advance":
            return await admin.advance_clock(sandbox, args.seconds), _clock_fields
        return await admin.clock(sandbox), _clock_fields
    if args.admin_command == "outbox":
        found = await admin.outbox(sandbox, phone=args.phone, limit=args.limit)
        return found, lambda r: print_table(("id", "sent", "phone", "code", "text"),
                                            ((m.id, m.sent_at.strftime("%H:%M:%S"), m.phone, m.code, m.text) for m in r))
    if args.admin_command == "faults":
        if args.faults_action == "set":
            return await admin.set_faults(sandbox, args.spec), _faults_fields
        if args.faults_action == "clear":
            await admin.clear_faults(sandbox)
            return {"cleared": sandbox}, lambda r: print(f"faults of sandbox {sandbox} cleared")
        return await admin.faults(sandbox), _faults_fields
    if args.admin_command == "journal":
        if args.clear:
            await admin.clear_journal(sandbox)
            return {"cleared": sandbox}, lambda r: print(f"journal of sandbox {sandbox} emptied")
        found = await admin.journal(sandbox, route=args.route, method=args.method, status=args.status,
                                    since=args.since, until=args.until, after=args.after, limit=args.limit)
        return found, _journal_table
    raise UsageError("say what to do: sandbox, clock, outbox, faults or journal")


def _faults_fields(info) -> None:
    if info.source == "none":
        print("no faults")
        return
    print_fields([("source", info.source), ("spec", info.spec),
                  ("fired", ", ".join(str(n) for n in info.fired))])


def _journal_table(journal) -> None:
    print_table(("id", "at", "method", "path", "status", "code", "ms", "fault"),
                ((e.id, e.at.strftime("%H:%M:%S"), e.method, e.path + (f"?{e.query}" if e.query else ""),
                  "-" if e.status is None else e.status, e.code or "", f"{e.ms:.1f}", e.fault or "")
                 for e in journal.entries))


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seconds must be a number, not {text!r}") from None
    if value != value or abs(value) > 10 * 365 * 86400:
        raise argparse.ArgumentTypeError("seconds must be a number within ten years")
    return value


def add_parsers(commands, common: argparse.ArgumentParser) -> None:
    admin_common = argparse.ArgumentParser(add_help=False)
    admin_common.add_argument("--admin-key", default=argparse.SUPPRESS,
                              help=f"the backend's admin key (default ${ADMIN_KEY_ENV})")
    parents = [common, admin_common]
    p = commands.add_parser("admin", help="sandboxes, clocks, SMS outboxes, faults and journals (admin key needed)", parents=parents)
    actions = p.add_subparsers(dest="admin_command", metavar="WHAT")
    q = actions.add_parser("sandbox", help="show, create, reset or delete the sandbox", parents=parents)
    verbs = q.add_subparsers(dest="sandbox_action", metavar="ACTION")
    r = verbs.add_parser("create", help="a new sandbox from a seed", parents=parents)
    r.add_argument("--seed", type=int)
    r.add_argument("--start", help="where its clock starts: an ISO instant or 'now'")
    r = verbs.add_parser("reset", help="back to its seeded state (milliseconds)", parents=parents)
    r.add_argument("--seed", type=int)
    verbs.add_parser("delete", help="delete the sandbox", parents=parents)
    r = verbs.add_parser("snapshot", help="keep a copy of the sandbox's data and clock", parents=parents)
    r.add_argument("name")
    r = verbs.add_parser("restore", help="back to a snapshot (data and clock)", parents=parents)
    r.add_argument("name")
    q = actions.add_parser("clock", help="show, set or advance the sandbox's clock", parents=parents)
    verbs = q.add_subparsers(dest="clock_action", metavar="ACTION")
    r = verbs.add_parser("set", help="set the clock to an ISO instant", parents=parents)
    r.add_argument("instant")
    r.add_argument("--frozen", action=argparse.BooleanOptionalAction, default=None)
    r = verbs.add_parser("advance", help="move the clock by SECONDS (negative goes back)", parents=parents)
    r.add_argument("seconds", type=_seconds)
    q = actions.add_parser("outbox", help="the SMS the sandbox has sent, newest first", parents=parents)
    q.add_argument("--phone")
    q.add_argument("--limit", type=int, default=20)
    q = actions.add_parser("faults", help="show, set or clear the sandbox's injected faults", parents=parents)
    verbs = q.add_subparsers(dest="faults_action", metavar="ACTION")
    r = verbs.add_parser("set", help="set the fault profile, e.g. 'seed=7; status=503,rate=0.2,route=/api/v1/payments'",
                         parents=parents)
    r.add_argument("spec", help="rules separated by ';': KIND[=VALUE][,rate=P][,route=PATH][,method=M][,times=N]")
    verbs.add_parser("clear", help="no more faults in this sandbox", parents=parents)
    q = actions.add_parser("journal", help="the latest API requests of the sandbox (secrets redacted)", parents=parents)
    q.add_argument("--route", help="a path (and those under it) or a pattern with '*'")
    q.add_argument("--method", type=str.upper, choices=("GET", "POST", "PUT", "PATCH", "DELETE"))
    q.add_argument("--status", help="a status (404), a class (4xx) or 'none' (dropped connections)")
    q.add_argument("--since", help="from this ISO instant of the sandbox's clock")
    q.add_argument("--until", help="up to this ISO instant of the sandbox's clock")
    q.add_argument("--after", type=int, help="only entries with a larger id")
    q.add_argument("--limit", type=int, default=50)
    q.add_argument("--clear", action="store_true", help="empty the journal instead")
