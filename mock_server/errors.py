"""RFC 9457 problem+json: one exception type for every refusal, and the handlers that render it.

Every refusal has a stable upper-snake ``code``; the title is the same for every occurrence of a
code, the detail says what happened this time. No handler ever lets a traceback reach the client.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("mock_server")

PROBLEM_JSON = "application/problem+json"

# code -> (status, title). One place lists every code the API can answer.
CODES: dict[str, tuple[int, str]] = {
    # generic
    "VALIDATION_FAILED": (422, "The request is not valid"),
    "MALFORMED_JSON": (400, "The request body is not valid JSON"),
    "BODY_TOO_LARGE": (413, "The request body is too large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "The request body must be JSON"),
    "NOT_FOUND": (404, "Not found"),
    "METHOD_NOT_ALLOWED": (405, "Method not allowed"),
    "INTERNAL_ERROR": (500, "Internal error"),
    "SANDBOX_NOT_FOUND": (404, "No such sandbox"),
    "SANDBOX_EXISTS": (409, "The sandbox exists already"),
    "SANDBOX_PROTECTED": (409, "The default sandbox cannot be deleted"),
    "SNAPSHOT_NOT_FOUND": (404, "No such snapshot"),
    "FAULT_SPEC_INVALID": (422, "The fault profile is not valid"),
    "FAULT_INJECTED": (503, "An injected fault"),  # answered with the status the fault names
    "INVALID_SANDBOX_ID": (400, "The sandbox id is not valid"),
    "ADMIN_KEY_REQUIRED": (401, "The admin key is missing or wrong"),
    "IDEMPOTENCY_KEY_REQUIRED": (400, "An Idempotency-Key header is required"),
    "IDEMPOTENCY_KEY_INVALID": (400, "The Idempotency-Key header is not valid"),
    "IDEMPOTENCY_KEY_REUSED": (422, "The Idempotency-Key was used with another request"),
    "IDEMPOTENCY_IN_PROGRESS": (409, "A request with this Idempotency-Key is still in progress"),
    # login
    "INVALID_PHONE": (422, "The mobile number is not valid"),
    "INVALID_ID_NUMBER": (422, "The ID number is not valid"),
    "PHONE_NOT_REGISTERED": (404, "No account has this mobile number"),
    "OTP_RESEND_TOO_SOON": (429, "Wait before asking for another code"),
    "OTP_DAILY_LIMIT": (429, "Too many codes today"),
    "OTP_INVALID": (401, "The code is wrong"),
    "OTP_EXPIRED": (401, "The code has expired"),
    "OTP_USED": (401, "The code was used already"),
    "OTP_VOIDED": (401, "Too many wrong entries: the code is void"),
    "OTP_NOT_REQUESTED": (401, "No code was sent to this number"),
    "INVALID_CREDENTIALS": (401, "The account or password is wrong"),
    "ACCOUNT_LOCKED": (423, "The account is locked"),
    "AUTH_REQUIRED": (401, "Log in first"),
    "TOKEN_INVALID": (401, "The token is not valid"),
    "TOKEN_EXPIRED": (401, "The token has expired"),
    "SESSION_REVOKED": (401, "The session has ended"),
    "REFRESH_TOKEN_REUSED": (401, "The refresh token was used already: the session is revoked"),
    "REALNAME_LEVEL_TOO_LOW": (403, "This service needs a verified real name"),
    "PATIENT_NOT_ALLOWED": (404, "Not found"),
    # card
    "CARD_NOT_FOUND": (404, "Not found"),
    "CARD_LOST": (409, "The card is reported lost"),
    "CARD_CANCELLED": (409, "The card is cancelled"),
    "PIN_INVALID": (401, "The PIN is wrong"),
    "PIN_LOCKED": (423, "Too many wrong PINs: locked"),
    "PIN_FORMAT": (422, "A PIN is six digits"),
    "QR_EXPIRED": (410, "The code has expired"),
    "QR_USED": (409, "The code was used already"),
    "QR_BAD_SIGNATURE": (400, "The code is not genuine"),
    "QR_MALFORMED": (400, "The code cannot be read"),
    "QR_NOT_FOUND": (404, "No such code"),
    "PERSON_NOT_FOUND": (404, "Not found"),
    "INSURANCE_NOT_FOUND": (404, "No medical insurance account"),
    # bills and payments
    "BILL_NOT_FOUND": (404, "Not found"),
    "ACCOUNT_NOT_FOUND": (404, "No account has this number"),
    "PROVIDER_NOT_FOUND": (404, "No such provider"),
    "PAY_CODE_NOT_FOUND": (404, "No bill has this payment code"),
    "INVALID_ACCOUNT_NUMBER": (422, "An account number is 10 digits"),
    "INVALID_PAY_CODE": (422, "A payment code is 8-32 upper-case letters and digits"),
    "NOTHING_OWED": (409, "Nothing is owed"),
    "BILL_ALREADY_PAID": (409, "The bill is paid already"),
    "BILL_EXPIRED": (410, "The payment code has expired"),
    "AMOUNT_TOO_LOW": (422, "The amount is below what is owed"),
    "AMOUNT_MUST_BE_EXACT": (422, "This bill is paid with the exact amount only"),
    "AMOUNT_INVALID": (422, "The amount is not valid"),
    "PAYMENT_NOT_FOUND": (404, "Not found"),
    "CHANNEL_TIMEOUT": (504, "The payment channel did not answer"),
    "DUPLICATE_PAYMENT": (409, "This bill was just paid"),
    # hospitals and appointments
    "HOSPITAL_NOT_FOUND": (404, "Not found"),
    "DEPARTMENT_NOT_FOUND": (404, "Not found"),
    "DOCTOR_NOT_FOUND": (404, "Not found"),
    "WINDOW_NOT_FOUND": (404, "Not found"),
    "SESSION_NOT_FOUND": (404, "Not found"),
    "APPOINTMENT_NOT_FOUND": (404, "Not found"),
    "WAITLIST_NOT_FOUND": (404, "Not found"),
    "DATE_OUT_OF_RANGE": (422, "That day cannot be booked"),
    "NOT_YET_RELEASED": (409, "That day opens later"),
    "SLOT_FULL": (409, "The window is full"),
    "SESSION_HAS_WINDOWS": (409, "The session still has free windows"),
    "DUPLICATE_DEPARTMENT_BOOKING": (409, "One booking a department a day"),
    "DAILY_BOOKING_LIMIT": (409, "Too many bookings that day"),
    "BOOKING_BANNED": (403, "Online booking is suspended after missed appointments"),
    "CANCEL_DEADLINE_PASSED": (409, "It is too late to cancel"),
    "APPOINTMENT_NOT_ACTIVE": (409, "The appointment is not active"),
    "ALREADY_ON_WAITLIST": (409, "Already on the waitlist"),
    "WAITLIST_NOT_ACTIVE": (409, "The waitlist entry is no longer waiting"),
    # messages
    "MESSAGE_NOT_FOUND": (404, "Not found"),
}


class ProblemError(Exception):
    """A refusal with a stable code. Extra keyword arguments become members of the problem body."""

    def __init__(self, code: str, detail: str | None = None, *, status: int | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        known_status, title = CODES.get(code, (status or 400, code.replace("_", " ").capitalize()))
        self.code = code
        self.status = status or known_status
        self.title = title
        self.detail = detail or title
        self.extra = extra
        self.headers = headers or {}
        super().__init__(f"{code}: {self.detail}")

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:zheliban:problem:{self.code.lower().replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def problem_response(err: ProblemError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(err.body(instance), status_code=err.status, media_type=PROBLEM_JSON,
                        headers=err.headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        out.append({"field": ".".join(loc), "message": str(e.get("msg", "")), "type": e.get("type", "")})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError):
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = _validation_errors(exc)
        if any(e["type"] == "json_invalid" for e in errors):
            return problem_response(ProblemError("MALFORMED_JSON"), request)
        first = errors[0] if errors else {"field": "", "message": ""}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return problem_response(ProblemError("VALIDATION_FAILED", detail, errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "BODY_TOO_LARGE",
                415: "UNSUPPORTED_MEDIA_TYPE"}.get(exc.status_code)
        if code is None:
            err = ProblemError("HTTP_ERROR", str(exc.detail), status=exc.status_code)
        else:
            err = ProblemError(code)
        return problem_response(err, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return problem_response(ProblemError("INTERNAL_ERROR", "The server could not finish this request"), request)
