"""Messages: one for each payment, booking, cancellation and waitlist event; the unread count."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ..deps import CitizenDep, SecuredRoute
from ..errors import ProblemError
from ..store import messages
from .models import PROBLEM_RESPONSES, ResponseModel

router = APIRouter(route_class=SecuredRoute, tags=["messages"], responses=PROBLEM_RESPONSES)


class Message(ResponseModel):
    id: int
    kind: str
    title: str
    body: str
    ref_type: str | None
    ref_id: str | None
    created_at: str
    read: bool


class MessageList(ResponseModel):
    items: list[Message]
    unread: int


class UnreadCount(ResponseModel):
    unread: int


def _view(row: dict) -> dict:
    return {**row, "read": row["read_at"] is not None}


@router.get("/messages", response_model=MessageList, summary="My messages, newest first")
async def list_messages(citizen: CitizenDep,
                        unread: Annotated[bool, Query(description="Only unread ones")] = False,
                        limit: Annotated[int, Query(ge=1, le=200)] = 50,
                        before: Annotated[int | None, Query(ge=1, le=2**62, description="Page: ids below this")] = None):
    db = citizen.sandbox.db
    rows = messages.list_for(db, citizen.id, unread_only=unread, limit=limit, before_id=before)
    return {"items": [_view(r) for r in rows], "unread": messages.unread_count(db, citizen.id)}


@router.get("/messages/unread-count", response_model=UnreadCount, summary="How many messages are unread")
async def unread_count(citizen: CitizenDep):
    return {"unread": messages.unread_count(citizen.sandbox.db, citizen.id)}


@router.get("/messages/{message_id}", response_model=Message, summary="One message")
async def get_message(citizen: CitizenDep, message_id: Annotated[int, Path(ge=1, le=2**62)]):
    row = messages.get(citizen.sandbox.db, citizen.id, message_id)
    if row is None:
        raise ProblemError("MESSAGE_NOT_FOUND")
    return _view(row)


@router.post("/messages/{message_id}/read", response_model=Message, summary="Mark a message read")
async def read_message(citizen: CitizenDep, message_id: Annotated[int, Path(ge=1, le=2**62)]):
    db = citizen.sandbox.db
    if not messages.mark_read(db, citizen.id, message_id, citizen.sandbox.clock.now_iso()):
        raise ProblemError("MESSAGE_NOT_FOUND")
    return _view(messages.get(db, citizen.id, message_id))


@router.post("/messages/read-all", response_model=UnreadCount, summary="Mark every message read")
async def read_all(citizen: CitizenDep):
    db = citizen.sandbox.db
    messages.mark_all_read(db, citizen.id, citizen.sandbox.clock.now_iso())
    return {"unread": messages.unread_count(db, citizen.id)}
