"""Passwords and PINs checked against their lockout: one rule shape for the three secrets.

- password: 5 failures within 5 minutes lock the account 30 minutes (ACCOUNT_LOCKED);
- card PIN and payment PIN: 5 wrong in a row lock them 30 minutes (PIN_LOCKED).
A right entry clears the failures. The numbers come from the settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import iso
from .domain.secrets import verify_secret
from .errors import ProblemError
from .sandbox import Sandbox
from .settings import Settings
from .store import credentials


@dataclass(frozen=True)
class LockoutRule:
    kind: str  # the credentials kind: password | card_pin | pay_pin
    max_failures: int
    lock_s: int
    window_s: int | None  # None: every failure since the last success or lock counts
    wrong_code: str
    locked_code: str
    noun: str


def rule_for(settings: Settings, kind: str) -> LockoutRule:
    if kind == "password":
        return LockoutRule(kind, settings.password_max_failures, settings.password_lock_s,
                           settings.password_failure_window_s, "INVALID_CREDENTIALS", "ACCOUNT_LOCKED", "password")
    if kind == "card_pin":
        return LockoutRule(kind, settings.card_pin_max_failures, settings.card_pin_lock_s, None,
                           "PIN_INVALID", "PIN_LOCKED", "card PIN")
    if kind == "pay_pin":
        return LockoutRule(kind, settings.pay_pin_max_failures, settings.pay_pin_lock_s, None,
                           "PIN_INVALID", "PIN_LOCKED", "payment PIN")
    raise ValueError(f"unknown credential kind {kind!r}")


def seconds_until(later_iso: str, now: datetime) -> int:
    """Whole seconds from ``now`` until ``later_iso``, rounded up; 0 if it has passed."""
    return max(0, int((datetime.fromisoformat(later_iso) - now).total_seconds() + 0.999))


def _locked(rule: LockoutRule, until_iso: str, now: datetime):
    wait = seconds_until(until_iso, now)
    minutes = (wait + 59) // 60
    raise ProblemError(rule.locked_code,
                       f"Too many wrong {rule.noun}s: locked for {minutes} more {'minute' if minutes == 1 else 'minutes'}",
                       locked_until=until_iso, retry_after=wait, tries_left=0, headers={"Retry-After": str(wait)})


def check_secret(sandbox: Sandbox, citizen_id: str, secret: str, encoded: str | None, kind: str) -> None:
    """Accept the secret or raise: locked (before checking), wrong (with tries left), or now locked."""
    rule = rule_for(sandbox.settings, kind)
    now = sandbox.clock.now()
    until = credentials.locked_until(sandbox.db, citizen_id, rule.kind, iso(now))
    if until:
        _locked(rule, until, now)
    if encoded and verify_secret(secret, encoded):
        credentials.clear_failures(sandbox.db, citizen_id, rule.kind)
        return
    window_start = iso(now - timedelta(seconds=rule.window_s)) if rule.window_s is not None else ""
    failures, lock = credentials.record_failure(sandbox.db, citizen_id, rule.kind, iso(now), window_start,
                                                rule.max_failures, iso(now + timedelta(seconds=rule.lock_s)))
    if lock:
        _locked(rule, lock, now)
    left = max(0, rule.max_failures - failures)
    wrong = "The account or password is wrong" if rule.kind == "password" else f"The {rule.noun} is wrong"
    raise ProblemError(rule.wrong_code, f"{wrong}; {left} {'try' if left == 1 else 'tries'} left", tries_left=left)
