"""Login: SMS codes, phone + code, phone or ID number + password, refresh, log-out, ``me``."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from fastapi import APIRouter, Response
from pydantic import Field

from ..clock import iso
from ..deps import CitizenDep, SandboxDep, SecuredRoute
from ..domain.access_token import sign_access_token
from ..domain.id_number import validate_id_number
from ..domain.masking import mask_id_number, mask_name, mask_phone
from ..domain.phone import normalize_phone
from ..domain.secrets import keyed_digest, new_token
from ..errors import ProblemError
from ..lockout import check_secret, seconds_until
from ..sandbox import Sandbox
from ..store import messages, otp, outbox, people, sessions
from .models import PROBLEM_RESPONSES, RequestModel, ResponseModel

router = APIRouter(route_class=SecuredRoute, tags=["auth"], responses=PROBLEM_RESPONSES)


# --- models ----------------------------------------------------------------------------------------
class SmsCodeRequest(RequestModel):
    phone: str = Field(max_length=32, description="Mobile number; +86 / 0086 prefix allowed")


class SmsCodeSent(ResponseModel):
    phone: str = Field(description="The number, masked")
    expires_in: int = Field(description="Seconds the code stays valid")
    resend_after: int = Field(description="Seconds before another code may be asked for")
    sends_left_today: int


class SmsLogin(RequestModel):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=16)


class PasswordLogin(RequestModel):
    account: str = Field(max_length=32, description="Mobile number or resident ID number")
    password: str = Field(max_length=128)


class RefreshRequest(RequestModel):
    refresh_token: str = Field(max_length=256)


class TokenPair(ResponseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds the access token stays valid")
    refresh_token: str
    refresh_expires_at: str = Field(description="The session's absolute end")
    citizen_id: str


class FamilyMember(ResponseModel):
    id: str
    name: str
    relation: str
    id_number: str
    gender: str


class Me(ResponseModel):
    id: str
    name: str
    id_number: str
    phone: str
    gender: str
    realname_level: int
    family: list[FamilyMember]
    unread_messages: int


# --- helpers ---------------------------------------------------------------------------------------
def _phone_or_refuse(value: str) -> str:
    phone = normalize_phone(value)
    if phone is None:
        raise ProblemError("INVALID_PHONE", "A mobile number is 11 digits starting 13-19, e.g. 13705719050")
    return phone


def start_session(sandbox: Sandbox, citizen_id: str) -> dict:
    """Open a session for a citizen and hand out its first token pair."""
    s = sandbox.settings
    now = sandbox.clock.now()
    session_id = secrets.token_hex(8).upper()
    sessions.create(sandbox.db, session_id, citizen_id, iso(now), iso(now + timedelta(seconds=s.refresh_token_ttl_s)))
    return _token_pair(sandbox, session_id, citizen_id)


def _token_pair(sandbox: Sandbox, session_id: str, citizen_id: str) -> dict:
    s = sandbox.settings
    now = sandbox.clock.now()
    session = sessions.get(sandbox.db, session_id)
    session_end = datetime.fromisoformat(session["expires_at"])
    access_end = min(now + timedelta(seconds=s.access_token_ttl_s), session_end)
    refresh = "rt1." + new_token(32)
    sessions.add_refresh_token(sandbox.db, keyed_digest(sandbox.secret, refresh), session_id, iso(now))
    return {
        "access_token": sign_access_token(sandbox.secret, session_id, int(access_end.timestamp())),
        "token_type": "Bearer",
        "expires_in": max(0, int((access_end - now).total_seconds())),
        "refresh_token": refresh,
        "refresh_expires_at": session["expires_at"],
        "citizen_id": citizen_id,
    }


# --- routes ----------------------------------------------------------------------------------------
@router.post("/auth/sms-codes", response_model=SmsCodeSent, status_code=202, summary="Send an SMS login code")
async def send_sms_code(body: SmsCodeRequest, sandbox: SandboxDep):
    s = sandbox.settings
    phone = _phone_or_refuse(body.phone)
    if people.by_phone(sandbox.db, phone) is None:
        raise ProblemError("PHONE_NOT_REGISTERED", "No account has this mobile number")
    now = sandbox.clock.now()
    last = otp.latest(sandbox.db, phone)
    if last is not None:
        wait = seconds_until(iso(datetime.fromisoformat(last["sent_at"]) + timedelta(seconds=s.sms_resend_after_s)), now)
        if wait > 0:
            raise ProblemError("OTP_RESEND_TOO_SOON", f"Wait {wait} s before asking for another code",
                               retry_after=wait, headers={"Retry-After": str(wait)})
    day_start = iso(now.replace(hour=0, minute=0, second=0, microsecond=0))
    sent_today = otp.sends_since(sandbox.db, phone, day_start)
    if sent_today >= s.sms_max_sends_per_day:
        tomorrow = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        wait = seconds_until(iso(tomorrow), now)
        raise ProblemError("OTP_DAILY_LIMIT", f"At most {s.sms_max_sends_per_day} codes a day; try again tomorrow",
                           retry_after=wait, headers={"Retry-After": str(wait)})
    code = f"{secrets.randbelow(10 ** s.sms_code_length):0{s.sms_code_length}d}"
    otp.add(sandbox.db, phone, keyed_digest(sandbox.secret, f"{phone}:{code}"), iso(now),
            iso(now + timedelta(seconds=s.sms_code_ttl_s)))
    text = f"【浙里办】您的验证码是{code}，{s.sms_code_ttl_s // 60}分钟内有效。请勿泄露给他人。"
    outbox.add(sandbox.db, phone, text, iso(now))
    if sandbox.on_sms is not None:
        sandbox.on_sms(sandbox.id, phone, text)
    return {"phone": mask_phone(phone), "expires_in": s.sms_code_ttl_s, "resend_after": s.sms_resend_after_s,
            "sends_left_today": s.sms_max_sends_per_day - sent_today - 1}


@router.post("/auth/login/sms", response_model=TokenPair, status_code=201, summary="Log in with an SMS code")
async def login_sms(body: SmsLogin, sandbox: SandboxDep):
    s = sandbox.settings
    phone = _phone_or_refuse(body.phone)
    if not (len(body.code) == s.sms_code_length and body.code.isascii() and body.code.isdigit()):
        raise ProblemError("VALIDATION_FAILED", f"code: the SMS code is {s.sms_code_length} digits")
    citizen = people.by_phone(sandbox.db, phone)
    last = otp.latest(sandbox.db, phone)
    if citizen is None or last is None:
        raise ProblemError("OTP_NOT_REQUESTED", "Ask for a code first")
    now_iso = sandbox.clock.now_iso()
    if last["state"] == "used":
        raise ProblemError("OTP_USED", "This code was used already: ask for a new one")
    if last["state"] == "voided":
        raise ProblemError("OTP_VOIDED", "Too many wrong entries: ask for a new code", tries_left=0)
    if last["expires_at"] <= now_iso:
        raise ProblemError("OTP_EXPIRED", "The code has expired: ask for a new one")
    if keyed_digest(sandbox.secret, f"{phone}:{body.code}") != last["code_hash"]:
        wrong = otp.record_wrong_entry(sandbox.db, last["id"], s.sms_max_wrong_entries)
        left = max(0, s.sms_max_wrong_entries - wrong)
        if left == 0:
            raise ProblemError("OTP_VOIDED", "Too many wrong entries: ask for a new code", tries_left=0)
        raise ProblemError("OTP_INVALID", f"The code is wrong; {left} tries left", tries_left=left)
    if not otp.use(sandbox.db, last["id"]):
        raise ProblemError("OTP_USED", "This code was used already: ask for a new one")
    return start_session(sandbox, citizen["id"])


@router.post("/auth/login/password", response_model=TokenPair, status_code=201,
             summary="Log in with a mobile number or ID number and a password")
async def login_password(body: PasswordLogin, sandbox: SandboxDep):
    account = body.account.strip()
    phone = normalize_phone(account)
    if phone is not None:
        citizen = people.by_phone(sandbox.db, phone)
    else:
        reason = validate_id_number(account.upper() if account.endswith("x") else account)
        if reason is not None:
            raise ProblemError("INVALID_ID_NUMBER" if len(account) == 18 else "VALIDATION_FAILED",
                               "account: give an 11-digit mobile number or an 18-character ID number"
                               if len(account) != 18 else f"The ID number is not valid ({reason.replace('_', ' ')})",
                               reason=reason)
        citizen = people.by_id_number(sandbox.db, account.upper())
    if citizen is None or not citizen["password_hash"]:
        raise ProblemError("INVALID_CREDENTIALS")
    check_secret(sandbox, citizen["id"], body.password, citizen["password_hash"], "password")
    return start_session(sandbox, citizen["id"])


@router.post("/auth/refresh", response_model=TokenPair, summary="Swap a refresh token for a new pair")
async def refresh(body: RefreshRequest, sandbox: SandboxDep):
    token_hash = keyed_digest(sandbox.secret, body.refresh_token)
    row = sessions.refresh_token(sandbox.db, token_hash)
    if row is None:
        raise ProblemError("TOKEN_INVALID", "The refresh token is not valid: log in again")
    now_iso = sandbox.clock.now_iso()
    if row["revoked_at"] is not None:
        raise ProblemError("SESSION_REVOKED", "The session has ended: log in again")
    if row["expires_at"] <= now_iso:
        raise ProblemError("TOKEN_EXPIRED", "The session has reached its end: log in again")
    if row["used_at"] is not None or not sessions.use_refresh_token(sandbox.db, token_hash, now_iso):
        sessions.revoke(sandbox.db, row["session_id"], now_iso, "refresh_token_reused")
        raise ProblemError("REFRESH_TOKEN_REUSED")
    return _token_pair(sandbox, row["session_id"], row["citizen_id"])


@router.post("/auth/logout", status_code=204, summary="End the session")
async def logout(citizen: CitizenDep):
    sessions.revoke(citizen.sandbox.db, citizen.session_id, citizen.sandbox.clock.now_iso(), "logout")
    return Response(status_code=204)


@router.get("/me", response_model=Me, summary="The logged-in citizen, masked, with family members")
async def me(citizen: CitizenDep):
    db = citizen.sandbox.db
    row = citizen.row
    return {
        "id": row["id"],
        "name": mask_name(row["name"]),
        "id_number": mask_id_number(row["id_number"]),
        "phone": mask_phone(row["phone"]),
        "gender": row["gender"],
        "realname_level": row["realname_level"],
        "family": [{"id": m["id"], "name": mask_name(m["name"]), "relation": m["relation"],
                    "id_number": mask_id_number(m["id_number"]), "gender": m["gender"]}
                   for m in people.family_of(db, row["id"])],
        "unread_messages": messages.unread_count(db, row["id"]),
    }
