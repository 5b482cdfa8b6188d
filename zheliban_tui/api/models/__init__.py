"""What the backend answers, as frozen dataclasses read from JSON (see ``base`` for the rules).

One module per area of the API; every model is importable from here.
"""
from __future__ import annotations

from .base import Model, items_of, list_of, model
from .account import FamilyMember, FaultsInfo, Journal, JournalEntry, Me, Message, MessageList, OutboxSms, SandboxClock, SandboxInfo, ServerClock, SmsCodeSent, Snapshot, TokenPair, UnreadCount
from .card import Card, InsuranceAccount, QrCode, QrVerification, Settlement, SettlementList, VerifiedCard, VerifiedHolder
from .bills import Bill, BillList, BillLookup, BillSummary, BillTotals, Payment, PaymentSummary, Provider, Receipt, UtilityAccount, UtilityProvider
from .hospitals import Appointment, BookingDay, ClinicSession, DateStrip, Department, DepartmentDetail, DepartmentRef, DoctorBrief, DoctorDetail, DoctorRef, DoctorSchedule, Hospital, HospitalBrief, HospitalRef, PatientRef, Schedule, TimeWindow, WaitlistEntry

__all__ = [
    "Appointment",
    "Bill",
    "BillList",
    "BillLookup",
    "BillSummary",
    "BillTotals",
    "BookingDay",
    "Card",
    "ClinicSession",
    "DateStrip",
    "Department",
    "DepartmentDetail",
    "DepartmentRef",
    "DoctorBrief",
    "DoctorDetail",
    "DoctorRef",
    "DoctorSchedule",
    "FamilyMember",
    "FaultsInfo",
    "Hospital",
    "HospitalBrief",
    "HospitalRef",
    "InsuranceAccount",
    "Journal",
    "JournalEntry",
    "Me",
    "Message",
    "MessageList",
    "Model",
    "OutboxSms",
    "PatientRef",
    "Payment",
    "PaymentSummary",
    "Provider",
    "QrCode",
    "QrVerification",
    "Receipt",
    "SandboxClock",
    "SandboxInfo",
    "Schedule",
    "ServerClock",
    "Settlement",
    "SettlementList",
    "SmsCodeSent",
    "Snapshot",
    "TimeWindow",
    "TokenPair",
    "UnreadCount",
    "UtilityAccount",
    "UtilityProvider",
    "VerifiedCard",
    "VerifiedHolder",
    "WaitlistEntry",
    "items_of",
    "list_of",
    "model",
]
