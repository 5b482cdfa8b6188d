"""``ApiClient``: one method per route of the citizen API, typed models out, ``ApiError`` on failure.

Built around one injected ``httpx.AsyncClient`` (see ``make_http_client``). Every request carries
``X-Sandbox-Id`` when a sandbox is chosen; the ``TokenAuth`` adds the bearer token and refreshes it.
Paying and booking take an ``idempotency_key`` that the caller keeps: after a timeout, calling again
with the same key replays the first result instead of paying or booking twice.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import httpx

from ._http import API_PREFIX, query, read_answer, segment, send
from .auth import SANDBOX_HEADER, OnTokens, Tokens, TokenAuth
from .errors import ApiError, session_ended
from .models import (
    Appointment,
    Bill,
    BillList,
    BillLookup,
    Card,
    DateStrip,
    Department,
    DepartmentDetail,
    DoctorDetail,
    Hospital,
    InsuranceAccount,
    Me,
    Message,
    MessageList,
    Payment,
    PaymentSummary,
    QrCode,
    QrVerification,
    Receipt,
    Schedule,
    ServerClock,
    SettlementList,
    SmsCodeSent,
    TokenPair,
    UtilityProvider,
    UnreadCount,
    WaitlistEntry,
    items_of,
)

T = TypeVar("T")
IDEMPOTENCY_HEADER = "Idempotency-Key"


def new_idempotency_key() -> str:
    """A fresh key for one payment or booking. Keep it until that operation has a definite answer:
    a retry after a timeout must send the same key."""
    return "zlb-" + secrets.token_hex(16)


def _unread(data: Any) -> int:
    return UnreadCount.from_json(data).unread


class ApiClient:
    """The citizen's side of the backend. ``tokens`` resumes a session; ``on_tokens(tokens | None)``
    hears of every login, refresh and log-out."""

    def __init__(self, http: httpx.AsyncClient, *, sandbox: str | None = None, tokens: Tokens | None = None,
                 on_tokens: OnTokens | None = None) -> None:
        if not http.base_url.host:
            raise ValueError("the http client needs a base_url (see make_http_client)")
        self._http = http
        self.sandbox = sandbox
        self._auth = TokenAuth(tokens=tokens, on_tokens=on_tokens)
        self._auth.exchange = self._exchange_refresh_token

    # --- the session --------------------------------------------------------------------------------
    @property
    def tokens(self) -> Tokens | None:
        return self._auth.tokens

    @property
    def logged_in(self) -> bool:
        return self._auth.tokens is not None

    @property
    def citizen_id(self) -> str | None:
        tokens = self._auth.tokens
        return tokens.citizen_id if tokens else None

    @property
    def on_tokens(self) -> OnTokens | None:
        return self._auth.on_tokens

    @on_tokens.setter
    def on_tokens(self, callback: OnTokens | None) -> None:
        """Who hears of every login, refresh and log-out (the app keeps the refresh token through it)."""
        self._auth.on_tokens = callback

    def set_tokens(self, tokens: Tokens | None) -> None:
        """Adopt (or drop) a session, e.g. one kept from an earlier run; ``on_tokens`` hears of it."""
        self._auth.set_tokens(tokens)

    # --- the one request helper ---------------------------------------------------------------------
    async def _call(self, method: str, path: str, read: Callable[[Any], T] | None, *, json: Any = None,
                    params: dict[str, Any] | None = None, idempotency_key: str | None = None,
                    authenticated: bool = True) -> T:
        headers = {}
        if self.sandbox:
            headers[SANDBOX_HEADER] = self.sandbox
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        response = await send(self._http, method, API_PREFIX + path, json=json, params=params, headers=headers,
                              auth=self._auth if authenticated else None)
        return None if read is None else read_answer(response, read)  # type: ignore[return-value]

    async def _start_session(self, path: str, body: dict[str, str]) -> Tokens:
        pair = await self._call("POST", path, TokenPair.from_json, json=body, authenticated=False)
        tokens = Tokens.from_pair(pair)
        self._auth.set_tokens(tokens)
        return tokens

    # --- login --------------------------------------------------------------------------------------
    async def send_sms_code(self, phone: str) -> SmsCodeSent:
        """Ask for an SMS login code (OTP_RESEND_TOO_SOON and OTP_DAILY_LIMIT carry ``retry_after``)."""
        return await self._call("POST", "/auth/sms-codes", SmsCodeSent.from_json, json={"phone": phone},
                                authenticated=False)

    async def login_sms(self, phone: str, code: str) -> Tokens:
        return await self._start_session("/auth/login/sms", {"phone": phone, "code": code})

    async def login_password(self, account: str, password: str) -> Tokens:
        """``account``: a mobile number or a resident ID number."""
        return await self._start_session("/auth/login/password", {"account": account, "password": password})

    async def refresh(self, refresh_token: str | None = None) -> Tokens:
        """Swap the refresh token (the current one, or one kept from an earlier run) for a new pair.
        A refusal clears the tokens and raises SESSION_ENDED."""
        async with self._auth.lock:
            used = self._auth.tokens
            token = refresh_token or (used.refresh_token if used else None)
            if not token:
                raise session_ended(detail="There is no session to refresh: log in")
            return await self._auth.refresh_from(token, used)

    async def _exchange_refresh_token(self, refresh_token: str) -> TokenPair:
        return await self._call("POST", "/auth/refresh", TokenPair.from_json,
                                json={"refresh_token": refresh_token}, authenticated=False)

    async def logout(self) -> bool:
        """End the session. The tokens are dropped whatever happens; True if the server confirmed."""
        if self._auth.tokens is None:
            return False
        try:
            await self._call("POST", "/auth/logout", None)
            return True
        except ApiError:
            return False
        finally:
            self._auth.clear()

    async def me(self) -> Me:
        return await self._call("GET", "/me", Me.from_json)

    async def server_clock(self) -> ServerClock:
        """The sandbox's time (the server's clock may be virtual)."""
        return await self._call("GET", "/clock", ServerClock.from_json, authenticated=False)

    # --- the e-social-security card -----------------------------------------------------------------
    async def cards(self) -> list[Card]:
        """My card first, then my family members' cards, masked."""
        return await self._call("GET", "/cards", lambda d: items_of(Card, d))

    async def card(self, card_id: str) -> Card:
        return await self._call("GET", f"/cards/{segment(card_id)}", Card.from_json)

    async def reveal_card(self, card_id: str, pin: str) -> Card:
        """The card unmasked, after the holder's card PIN (PIN_INVALID carries ``tries_left``)."""
        return await self._call("POST", f"/cards/{segment(card_id)}/reveal", Card.from_json, json={"pin": pin})

    async def issue_qr(self, card_id: str) -> QrCode:
        """A fresh show code (展码); it replaces the card's earlier unused codes."""
        return await self._call("POST", f"/cards/{segment(card_id)}/qr", QrCode.from_json)

    async def verify_qr(self, code: str, counter: str | None = None) -> QrVerification:
        """What a counter does with a scanned payload or a typed numeric code (no login needed)."""
        body: dict[str, Any] = {"code": code}
        if counter is not None:
            body["counter"] = counter
        return await self._call("POST", "/qr/verify", QrVerification.from_json, json=body, authenticated=False)

    async def insurance(self, person_id: str | None = None) -> InsuranceAccount:
        return await self._call("GET", "/insurance", InsuranceAccount.from_json, params=query(person_id=person_id))

    async def settlements(self, person_id: str | None = None, limit: int | None = None) -> SettlementList:
        return await self._call("GET", "/insurance/settlements", SettlementList.from_json,
                                params=query(person_id=person_id, limit=limit))

    # --- bills and payments -------------------------------------------------------------------------
    async def bills(self, status: str = "unpaid", *, family: str | None = None,
                    person_id: str | None = None) -> BillList:
        """``status``: unpaid | paid | all; ``family``: utility | nontax | fine | insurance."""
        return await self._call("GET", "/bills", BillList.from_json,
                                params=query(status=status, family=family, person_id=person_id))

    async def bill(self, bill_id: str) -> Bill:
        return await self._call("GET", f"/bills/{segment(bill_id)}", Bill.from_json)

    async def utility_providers(self, city_code: str | None = None, kind: str | None = None) -> list[UtilityProvider]:
        return await self._call("GET", "/utility-providers", lambda d: items_of(UtilityProvider, d),
                                params=query(city_code=city_code, kind=kind))

    async def lookup_bills(self, *, provider_id: str | None = None, account_number: str | None = None,
                           pay_code: str | None = None) -> BillLookup:
        """By 户号 (``provider_id`` and ``account_number``) or by 缴款识别码 (``pay_code``)."""
        body = {k: v for k, v in (("provider_id", provider_id), ("account_number", account_number),
                                  ("pay_code", pay_code)) if v is not None}
        return await self._call("POST", "/bills/lookup", BillLookup.from_json, json=body)

    async def pay(self, bill_id: str, pin: str, *, idempotency_key: str, amount_fen: int | None = None) -> Payment:
        """Pay a bill with my payment PIN. ``amount_fen`` None pays exactly what is due. Keep
        ``idempotency_key`` (``new_idempotency_key()``) and send it again when retrying this payment."""
        body: dict[str, Any] = {"bill_id": bill_id, "pin": pin}
        if amount_fen is not None:
            body["amount_fen"] = amount_fen
        return await self._call("POST", "/payments", Payment.from_json, json=body, idempotency_key=idempotency_key)

    async def payments(self, *, family: str | None = None, q: str | None = None, date_from: date | str | None = None,
                       date_to: date | str | None = None, limit: int | None = None) -> list[PaymentSummary]:
        """My payments, newest first; ``date_from``/``date_to`` are days (inclusive)."""
        params = query(family=family, q=q, limit=limit, **{"from": _day(date_from), "to": _day(date_to)})
        return await self._call("GET", "/payments", lambda d: items_of(PaymentSummary, d), params=params)

    async def payment(self, payment_id: str) -> Payment:
        return await self._call("GET", f"/payments/{segment(payment_id)}", Payment.from_json)

    async def receipt(self, payment_id: str) -> Receipt:
        return await self._call("GET", f"/payments/{segment(payment_id)}/receipt", Receipt.from_json)

    # --- hospitals ----------------------------------------------------------------------------------
    async def hospitals(self, q: str | None = None) -> list[Hospital]:
        return await self._call("GET", "/hospitals", lambda d: items_of(Hospital, d), params=query(q=q))

    async def hospital(self, hospital_id: str) -> Hospital:
        return await self._call("GET", f"/hospitals/{segment(hospital_id)}", Hospital.from_json)

    async def departments(self, hospital_id: str) -> list[Department]:
        return await self._call("GET", f"/hospitals/{segment(hospital_id)}/departments",
                                lambda d: items_of(Department, d))

    async def department(self, department_id: str) -> DepartmentDetail:
        return await self._call("GET", f"/departments/{segment(department_id)}", DepartmentDetail.from_json)

    async def doctor(self, doctor_id: str) -> DoctorDetail:
        return await self._call("GET", f"/doctors/{segment(doctor_id)}", DoctorDetail.from_json)

    async def department_dates(self, department_id: str) -> DateStrip:
        """The 7-day strip: which days are open and how many places are left."""
        return await self._call("GET", f"/departments/{segment(department_id)}/dates", DateStrip.from_json)

    async def schedule(self, department_id: str, day: date | str | None = None) -> Schedule:
        """Doctors, sessions (上午/下午) and 30-minute windows of a department on ``day`` (default tomorrow)."""
        return await self._call("GET", f"/departments/{segment(department_id)}/schedule", Schedule.from_json,
                                params=query(date=_day(day)))

    # --- appointments and the waitlist --------------------------------------------------------------
    async def book(self, window_id: str, *, idempotency_key: str, patient_id: str | None = None) -> Appointment:
        """Book a window for me or a family member. Keep ``idempotency_key`` for a retry."""
        body = {"window_id": window_id}
        if patient_id is not None:
            body["patient_id"] = patient_id
        return await self._call("POST", "/appointments", Appointment.from_json, json=body,
                                idempotency_key=idempotency_key)

    async def appointments(self, scope: str = "all") -> list[Appointment]:
        """``scope``: upcoming | past | all."""
        return await self._call("GET", "/appointments", lambda d: items_of(Appointment, d),
                                params=query(scope=scope))

    async def appointment(self, appointment_id: str) -> Appointment:
        return await self._call("GET", f"/appointments/{segment(appointment_id)}", Appointment.from_json)

    async def cancel_appointment(self, appointment_id: str) -> Appointment:
        return await self._call("POST", f"/appointments/{segment(appointment_id)}/cancel", Appointment.from_json)

    async def waitlist(self) -> list[WaitlistEntry]:
        return await self._call("GET", "/waitlist", lambda d: items_of(WaitlistEntry, d))

    async def join_waitlist(self, session_id: str, patient_id: str | None = None) -> WaitlistEntry:
        """Join the waitlist (候补) of a full session."""
        body = {"session_id": session_id}
        if patient_id is not None:
            body["patient_id"] = patient_id
        return await self._call("POST", "/waitlist", WaitlistEntry.from_json, json=body)

    async def leave_waitlist(self, entry_id: str) -> WaitlistEntry:
        return await self._call("DELETE", f"/waitlist/{segment(entry_id)}", WaitlistEntry.from_json)

    # --- messages -----------------------------------------------------------------------------------
    async def messages(self, *, unread_only: bool = False, limit: int | None = None,
                       before: int | None = None) -> MessageList:
        """Newest first; ``before``: a message id, for the next page."""
        return await self._call("GET", "/messages", MessageList.from_json,
                                params=query(unread=unread_only or None, limit=limit, before=before))

    async def unread_count(self) -> int:
        return await self._call("GET", "/messages/unread-count", _unread)

    async def message(self, message_id: int) -> Message:
        return await self._call("GET", f"/messages/{segment(message_id)}", Message.from_json)

    async def read_message(self, message_id: int) -> Message:
        return await self._call("POST", f"/messages/{segment(message_id)}/read", Message.from_json)

    async def read_all_messages(self) -> int:
        """Mark every message read; the unread count after it."""
        return await self._call("POST", "/messages/read-all", _unread)


def _day(value: date | str | None) -> str | None:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else value
