"""The client's only door to the backend: URLs, headers and JSON live here and nowhere else.

    http = make_http_client("http://127.0.0.1:8000")   # once, for the whole app
    api = ApiClient(http, sandbox="demo", on_tokens=save)
    await api.login_password("13705719050", password)
    cards = await api.cards()

Every failure is an ``ApiError`` with a stable ``code``.
"""
from __future__ import annotations

from ._http import make_http_client
from .admin import AdminClient
from .auth import Tokens, TokenAuth
from .client import ApiClient, new_idempotency_key
from .errors import (
    BAD_RESPONSE,
    NETWORK_TIMEOUT,
    NETWORK_UNREACHABLE,
    SERVER_ERROR,
    SESSION_ENDED,
    ApiError,
)
from .models import (
    Appointment,
    Bill,
    BillList,
    BillLookup,
    BillSummary,
    BillTotals,
    BookingDay,
    Card,
    ClinicSession,
    DateStrip,
    Department,
    DepartmentDetail,
    DepartmentRef,
    DoctorBrief,
    DoctorDetail,
    DoctorRef,
    DoctorSchedule,
    FamilyMember,
    Hospital,
    HospitalBrief,
    HospitalRef,
    InsuranceAccount,
    Me,
    Message,
    MessageList,
    Model,
    OutboxSms,
    PatientRef,
    Payment,
    PaymentSummary,
    Provider,
    QrCode,
    QrVerification,
    Receipt,
    SandboxClock,
    SandboxInfo,
    Schedule,
    ServerClock,
    Settlement,
    SettlementList,
    SmsCodeSent,
    TimeWindow,
    TokenPair,
    UnreadCount,
    UtilityAccount,
    UtilityProvider,
    VerifiedCard,
    VerifiedHolder,
    WaitlistEntry,
)

__all__ = [
    "BAD_RESPONSE", "NETWORK_TIMEOUT", "NETWORK_UNREACHABLE", "SERVER_ERROR", "SESSION_ENDED",
    "AdminClient", "ApiClient", "ApiError", "TokenAuth", "Tokens", "make_http_client", "new_idempotency_key",
    "Appointment", "Bill", "BillList", "BillLookup", "BillSummary", "BillTotals", "BookingDay", "Card",
    "ClinicSession", "DateStrip", "Department", "DepartmentDetail", "DepartmentRef", "DoctorBrief",
    "DoctorDetail", "DoctorRef", "DoctorSchedule", "FamilyMember", "Hospital", "HospitalBrief", "HospitalRef",
    "InsuranceAccount", "Me", "Message", "MessageList", "Model", "OutboxSms", "PatientRef", "Payment",
    "PaymentSummary", "Provider", "QrCode", "QrVerification", "Receipt", "SandboxClock", "SandboxInfo",
    "Schedule", "ServerClock", "Settlement", "SettlementList", "SmsCodeSent", "TimeWindow", "TokenPair",
    "UnreadCount", "UtilityAccount", "UtilityProvider", "VerifiedCard", "VerifiedHolder", "WaitlistEntry",
]
