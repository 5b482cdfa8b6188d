"""Answers about the citizen's session and account: login, me, the clock, messages; and the admin API's."""
from __future__ import annotations

import re

from datetime import date, datetime  # noqa: F401 - read by the annotations
from typing import Any  # noqa: F401 - read by the annotations

from .base import Model, _secret, model  # noqa: F401


# --- login -----------------------------------------------------------------------------------------
@model
class TokenPair(Model):
    access_token: str = _secret()
    refresh_token: str = _secret()
    expires_in: int  # seconds the access token stays valid
    refresh_expires_at: datetime  # the session's absolute end
    citizen_id: str
    token_type: str = "Bearer"


@model
class SmsCodeSent(Model):
    phone: str  # masked
    expires_in: int  # seconds the code stays valid
    resend_after: int  # seconds before another code may be asked for
    sends_left_today: int


@model
class FamilyMember(Model):
    id: str
    name: str  # masked
    relation: str  # 配偶, 子女, 父母 ...
    id_number: str  # masked
    gender: str  # male | female


@model
class Me(Model):
    id: str
    name: str  # masked
    id_number: str  # masked
    phone: str  # masked
    gender: str
    realname_level: int  # 1 not verified, 2 basic, 3 advanced
    family: tuple[FamilyMember, ...]
    unread_messages: int


@model
class ServerClock(Model):
    now: datetime  # the sandbox's time
    epoch: float
    sandbox: str


# --- messages --------------------------------------------------------------------------------------
@model
class Message(Model):
    id: int
    kind: str
    title: str
    body: str
    ref_type: str | None
    ref_id: str | None
    created_at: datetime
    read: bool


@model
class MessageList(Model):
    items: tuple[Message, ...]  # newest first
    unread: int


@model
class UnreadCount(Model):
    unread: int


# --- admin -----------------------------------------------------------------------------------------
@model
class SandboxClock(Model):
    now: datetime
    frozen: bool


@model
class Snapshot(Model):
    name: str
    sandbox: str
    taken_at: datetime  # the sandbox's time when it was taken


@model
class FaultsInfo(Model):
    """A sandbox's fault profile: ``source`` is sandbox (its own), server (``--faults``) or none."""

    source: str
    seed: int | None
    spec: str | None  # the text form
    rules: Any
    fired: tuple[int, ...]  # how often each rule fired in the server process


@model
class JournalEntry(Model):
    id: int
    at: datetime  # the sandbox's time when the request arrived
    method: str
    path: str
    query: str
    status: int | None  # None: the connection was dropped
    code: str | None  # the problem code of a refusal
    ms: float
    fault: str | None
    request: Any  # the JSON body, secrets replaced by ***


@model
class Journal(Model):
    size: int
    entries: tuple[JournalEntry, ...]  # oldest first


@model
class SandboxInfo(Model):
    id: str
    seed: int
    start: datetime
    clock: SandboxClock


_SMS_CODE = re.compile(r"验证码(?:是|为)?\s*(\d{4,8})")


@model
class OutboxSms(Model):
    """A text the mock backend 'sent' (it sends none: it keeps them in an outbox)."""

    id: int
    phone: str
    text: str = _secret()
    sent_at: datetime

    @property
    def code(self) -> str | None:
        """The security code in a login text, if it is one."""
        found = _SMS_CODE.search(self.text)
        return found.group(1) if found else None
