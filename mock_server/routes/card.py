"""The e-social-security card: the masked card face, reveal with the card PIN, the show code (展码)
and its verification at a counter, and the medical-insurance (医保) account beside the card."""
from __future__ import annotations

import secrets
import string
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import Field
from pydantic_core import to_json

from ..clock import iso
from ..deps import SandboxDep, SecuredRoute, VerifiedCitizenDep
from ..domain.masking import (
    mask_bank_card,
    mask_card_number,
    mask_id_number_strong,
    mask_name,
)
from ..domain.pin_rules import PIN_LENGTH, pin_problem
from ..domain.qr_payload import (
    NUMERIC_CODE_LENGTH,
    QrPayloadError,
    numeric_code,
    parse_qr,
    sign_qr,
)
from ..errors import ProblemError
from ..lockout import check_secret
from ..sandbox import Sandbox
from ..seed_data import CITIES
from ..store import cards, insurance
from ..store.db import IntegrityError, Row
from .models import PROBLEM_RESPONSES, Problem, RequestModel, ResponseModel

_PROBLEM = {"application/problem+json": {}}
router = APIRouter(route_class=SecuredRoute, tags=["card"], responses={
    **PROBLEM_RESPONSES,
    403: {"model": Problem, "description": "Real-name level too low", "content": _PROBLEM},
    410: {"model": Problem, "description": "The code has expired", "content": _PROBLEM},
    423: {"model": Problem, "description": "Locked after too many wrong PINs", "content": _PROBLEM},
})

CITY_NAMES = dict(CITIES)
STATUS_LABELS = {"normal": "正常", "lost": "挂失", "cancelled": "注销"}
SELF_RELATION = "本人"
QR_ID_LENGTH = 10
QR_ID_ALPHABET = string.ascii_uppercase + string.digits
SETTLEMENTS_DEFAULT_LIMIT = 20
SETTLEMENTS_MAX_LIMIT = 100

CardIdPath = Annotated[str, Path(max_length=32, description="The card's id, e.g. `K0001`")]
PersonIdQuery = Annotated[str | None, Query(max_length=32,
                                            description="Whose account: oneself (default) or a family member")]


# --- models ----------------------------------------------------------------------------------------
class Card(ResponseModel):
    id: str = Field(description="The card's id")
    holder_id: str = Field(description="The card holder's citizen id")
    holder_name: str = Field(description="The holder's name; masked (`*伟`) unless revealed")
    relation: str = Field(description="`本人` for one's own card, else the family relation (配偶, 子女, 父母 ...)")
    city_code: str = Field(description="Issuing city code, e.g. `330100`")
    city_name: str = Field(description="Issuing city, e.g. 杭州市")
    card_number: str = Field(description="Card number (a letter + 8 digits); masked `B*****019` unless revealed")
    social_security_number: str = Field(description="= the ID number; strong mask `3****************X` unless revealed")
    issue_date: str = Field(description="YYYY-MM-DD")
    valid_until: str = Field(description="YYYY-MM-DD")
    status: str = Field(description="`normal` | `lost` | `cancelled`")
    status_label: str = Field(description="正常 | 挂失 | 注销")
    bank_name: str = Field(description="The serving bank")
    bank_card_number: str = Field(description="The bank card number, always masked: first 6 + last 4")
    masked: bool = Field(description="True on the card face; false after a reveal with the card PIN")


class CardList(ResponseModel):
    items: list[Card] = Field(description="One's own card first, then family members' cards; "
                                          "family members without a card are absent")


class RevealRequest(RequestModel):
    pin: str = Field(max_length=32, description="The card holder's 6-digit card PIN")


class QrCode(ResponseModel):
    qr_id: str = Field(description="10 upper-case letters and digits")
    card_id: str
    payload: str = Field(description="Signed text to encode in the QR code (alphanumeric mode)")
    numeric_code: str = Field(description="18 digits, for typing at a counter instead of scanning")
    issued_at: str
    expires_at: str
    expires_in: int = Field(description="Seconds the code stays valid")


class QrVerifyRequest(RequestModel):
    code: str = Field(max_length=200, description="The scanned payload or the 18-digit numeric code")
    counter: str | None = Field(default=None, max_length=60, description="Who verifies, e.g. a hospital counter")


class VerifiedHolder(ResponseModel):
    name: str = Field(description="Masked name")
    id_number: str = Field(description="Strongly masked ID number")
    gender: str = Field(description="`male` | `female`")


class VerifiedCard(ResponseModel):
    card_number: str = Field(description="Masked card number")
    city_code: str
    city_name: str
    status: str


class QrVerification(ResponseModel):
    valid: bool = Field(description="Always true: every refusal is a problem response")
    qr_id: str
    verified_at: str
    holder: VerifiedHolder
    card: VerifiedCard


class Settlement(ResponseModel):
    id: str
    settled_at: str
    institution: str = Field(description="Hospital, pharmacy or clinic")
    kind: str = Field(description="门诊 | 购药 | 住院")
    total_fen: int = Field(description="The whole bill, in fen")
    fund_paid_fen: int = Field(description="Paid by the pooled fund (统筹)")
    account_paid_fen: int = Field(description="Paid from the personal account")
    self_paid_fen: int = Field(description="Paid by the person")


class InsuranceAccount(ResponseModel):
    person_id: str
    holder_name: str = Field(description="Masked name")
    insurance_type: str
    insured_place: str
    balance_fen: int = Field(description="Personal-account balance, in fen")
    settlements: list[Settlement] = Field(description="The most recent settlements, newest first")


class SettlementList(ResponseModel):
    person_id: str
    items: list[Settlement] = Field(description="Newest first")
    total: int = Field(description="How many settlements the person has in all")


# --- helpers ---------------------------------------------------------------------------------------
def _card_view(row: Row, *, masked: bool) -> dict:
    return {
        "id": row["id"],
        "holder_id": row["citizen_id"],
        "holder_name": mask_name(row["holder_name"]) if masked else row["holder_name"],
        "relation": row["relation"] or SELF_RELATION,
        "city_code": row["city_code"],
        "city_name": CITY_NAMES.get(row["city_code"], row["city_code"]),
        "card_number": mask_card_number(row["card_number"]) if masked else row["card_number"],
        "social_security_number": mask_id_number_strong(row["holder_id_number"]) if masked
        else row["holder_id_number"],
        "issue_date": row["issue_date"],
        "valid_until": row["valid_until"],
        "status": row["status"],
        "status_label": STATUS_LABELS.get(row["status"], row["status"]),
        "bank_name": row["bank_name"],
        "bank_card_number": mask_bank_card(row["bank_card_number"]),
        "masked": masked,
    }


def _visible_card(citizen, card_id: str) -> Row:
    row = cards.get_visible(citizen.sandbox.db, citizen.id, card_id)
    if row is None:
        raise ProblemError("CARD_NOT_FOUND", f"No card {card_id!r} among yours and your family's")
    return row


def _refuse_unusable(card: Row) -> None:
    if card["status"] == "lost":
        raise ProblemError("CARD_LOST", "The card is reported lost: its code cannot be shown or accepted")
    if card["status"] == "cancelled":
        raise ProblemError("CARD_CANCELLED", "The card is cancelled: its code cannot be shown or accepted")


def _check_card_pin(sandbox: Sandbox, card: Row, pin: str) -> None:
    """The card holder's PIN, with the lock of ``card_pin_max_failures`` wrong entries in a row."""
    if pin_problem(pin) == "format":
        raise ProblemError("PIN_FORMAT", f"The card PIN is {PIN_LENGTH} digits")
    check_secret(sandbox, card["citizen_id"], pin, card["pin_hash"], "card_pin")


def _new_qr_id() -> str:
    return "".join(secrets.choice(QR_ID_ALPHABET) for _ in range(QR_ID_LENGTH))


# --- card routes -----------------------------------------------------------------------------------
@router.get("/cards", response_model=CardList, summary="My card and my family members' cards, masked")
async def list_cards(citizen: VerifiedCitizenDep):
    rows = cards.visible_to(citizen.sandbox.db, citizen.id)
    return {"items": [_card_view(r, masked=True) for r in rows]}


@router.get("/cards/{card_id}", response_model=Card, summary="One card, masked")
async def get_card(citizen: VerifiedCitizenDep, card_id: CardIdPath):
    # The masked card face is kept in the sandbox's read cache under the data's stamp (the card shown
    # most is one's own, again and again); the body has the ``Card`` model's shape, sent without a
    # second validation.
    sandbox = citizen.sandbox
    key = ("card", citizen.id, card_id)
    body = sandbox.cache.get(sandbox.version, key)
    if body is None:
        body = to_json(_card_view(_visible_card(citizen, card_id), masked=True))
        sandbox.cache.put(sandbox.version, sandbox.db.version(), key, body)
    return Response(body, media_type="application/json")


@router.post("/cards/{card_id}/reveal", response_model=Card,
             summary="The full card details, after the card holder's PIN")
async def reveal_card(citizen: VerifiedCitizenDep, card_id: CardIdPath, body: RevealRequest):
    card = _visible_card(citizen, card_id)
    _check_card_pin(citizen.sandbox, card, body.pin)
    return _card_view(card, masked=False)


@router.post("/cards/{card_id}/qr", response_model=QrCode, status_code=201,
             summary="Issue a show code (展码); it replaces the card's earlier unused codes")
async def issue_qr(citizen: VerifiedCitizenDep, card_id: CardIdPath):
    sandbox = citizen.sandbox
    card = _visible_card(citizen, card_id)
    _refuse_unusable(card)
    ttl = sandbox.settings.qr_ttl_s
    issued = sandbox.clock.now().replace(microsecond=0)
    expires = issued + timedelta(seconds=ttl)
    for _ in range(5):  # a random id colliding with an old one is unlikely; a retry settles it
        qr_id = _new_qr_id()
        number = numeric_code(sandbox.secret, qr_id)
        try:
            cards.issue_qr(sandbox.db, qr_id, card["id"], number, iso(issued), iso(expires))
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five collisions in a row
        raise ProblemError("INTERNAL_ERROR", "Could not issue a code: try again")
    return {
        "qr_id": qr_id,
        "card_id": card["id"],
        "payload": sign_qr(sandbox.secret, qr_id, card["id"], int(expires.timestamp())),
        "numeric_code": number,
        "issued_at": iso(issued),
        "expires_at": iso(expires),
        "expires_in": ttl,
    }


def _find_code(sandbox: Sandbox, code: str) -> Row:
    """The stored code a scanned payload or a typed numeric code names (form and signature checked)."""
    text = code.strip()
    compact = text.replace(" ", "")
    if compact.isascii() and compact.isdigit():
        if len(compact) != NUMERIC_CODE_LENGTH:
            raise ProblemError("QR_MALFORMED", f"A numeric code is {NUMERIC_CODE_LENGTH} digits")
        row = cards.qr_by_numeric_code(sandbox.db, compact)
    else:
        try:
            claims = parse_qr(sandbox.secret, text)
        except QrPayloadError as err:
            if err.reason == "bad_signature":
                raise ProblemError("QR_BAD_SIGNATURE", "The code was not issued here or was altered") from None
            raise ProblemError("QR_MALFORMED", "This is not a 浙里办 social security card code") from None
        row = cards.qr_by_id(sandbox.db, claims.qr_id)
        if row is not None and row["card_id"] != claims.card_id:
            row = None
    if row is None:
        raise ProblemError("QR_NOT_FOUND", "No such code was issued")
    return row


def _refuse_spent(qr: Row, now_iso: str) -> None:
    if qr["used_at"] is not None:
        raise ProblemError("QR_USED", "This code was used already: ask for a new one",
                           used_at=qr["used_at"])
    if qr["superseded_at"] is not None:
        raise ProblemError("QR_EXPIRED", "A newer code replaced this one: scan the code on the screen now",
                           reason="superseded", expired_at=qr["superseded_at"])
    if qr["expires_at"] <= now_iso:
        raise ProblemError("QR_EXPIRED", "The code has expired: ask for a fresh one",
                           reason="expired", expired_at=qr["expires_at"])


@router.post("/qr/verify", response_model=QrVerification,
             summary="Verify a show code at a counter (no citizen login); a code verifies once")
async def verify_qr(body: QrVerifyRequest, sandbox: SandboxDep):
    qr = _find_code(sandbox, body.code)
    card = cards.get(sandbox.db, qr["card_id"])
    _refuse_unusable(card)
    now_iso = sandbox.clock.now_iso()
    _refuse_spent(qr, now_iso)
    if not cards.use_qr(sandbox.db, qr["id"], now_iso, body.counter):
        # another verification won the race (or the code lapsed meanwhile): say which
        _refuse_spent(cards.qr_by_id(sandbox.db, qr["id"]), now_iso)
        raise ProblemError("QR_USED", "This code was used already: ask for a new one")
    return {
        "valid": True,
        "qr_id": qr["id"],
        "verified_at": now_iso,
        "holder": {"name": mask_name(card["holder_name"]),
                   "id_number": mask_id_number_strong(card["holder_id_number"]),
                   "gender": card["holder_gender"]},
        "card": {"card_number": mask_card_number(card["card_number"]), "city_code": card["city_code"],
                 "city_name": CITY_NAMES.get(card["city_code"], card["city_code"]), "status": card["status"]},
    }


# --- medical insurance -----------------------------------------------------------------------------
@router.get("/insurance", response_model=InsuranceAccount,
            summary="Medical-insurance account: balance and the most recent settlements")
async def insurance_account(citizen: VerifiedCitizenDep, person_id: PersonIdQuery = None):
    db = citizen.sandbox.db
    person = citizen.person(person_id)
    account = insurance.account(db, person)
    if account is None:
        raise ProblemError("INSURANCE_NOT_FOUND", "This person has no medical insurance account here")
    return {
        "person_id": person,
        "holder_name": mask_name(account["holder_name"]),
        "insurance_type": account["insurance_type"],
        "insured_place": account["insured_place"],
        "balance_fen": account["balance_fen"],
        "settlements": insurance.settlements(db, person, citizen.sandbox.settings.insurance_recent_settlements),
    }


@router.get("/insurance/settlements", response_model=SettlementList,
            summary="Medical-insurance settlements, newest first")
async def insurance_settlements(
    citizen: VerifiedCitizenDep,
    person_id: PersonIdQuery = None,
    limit: Annotated[int, Query(ge=1, le=SETTLEMENTS_MAX_LIMIT,
                                description="How many, newest first")] = SETTLEMENTS_DEFAULT_LIMIT,
):
    db = citizen.sandbox.db
    person = citizen.person(person_id)
    if insurance.account(db, person) is None:
        raise ProblemError("INSURANCE_NOT_FOUND", "This person has no medical insurance account here")
    return {"person_id": person, "items": insurance.settlements(db, person, limit),
            "total": insurance.settlement_count(db, person)}
