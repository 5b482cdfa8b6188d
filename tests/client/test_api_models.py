"""The answer models: known fields read and typed, unknown ones ignored, a wrong shape refused with the
field's path, secrets out of ``repr``, models immutable."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from tests.client.api_support import sample
from zheliban_tui.api import (
    ApiError,
    Bill,
    Card,
    Me,
    OutboxSms,
    Payment,
    QrCode,
    Schedule,
    ServerClock,
    TokenPair,
)


def refusal(model, data) -> ApiError:
    with pytest.raises(ApiError) as caught:
        model.from_json(data)
    assert caught.value.code == "BAD_RESPONSE"
    return caught.value


def test_unknown_fields_are_ignored():
    card = Card.from_json({**sample("card"), "nfc_chip": "v2", "holder_photo": None})
    assert card.id == "K0001" and not hasattr(card, "nfc_chip")


def test_money_stays_integer_fen_and_times_are_aware():
    payment = Payment.from_json(sample("payment"))
    assert payment.amount_fen == 9055 and isinstance(payment.amount_fen, int)
    assert payment.created_at.utcoffset() == timedelta(hours=8)
    assert payment.bill.due_date == date(2026, 5, 25)
    assert payment.receipt.issued_at == datetime.fromisoformat("2026-06-15T09:00:00+08:00")


def test_nested_lists_become_tuples_of_models():
    schedule = Schedule.from_json(sample("schedule"))
    session = schedule.doctors[0].sessions[0]
    assert isinstance(schedule.doctors, tuple) and isinstance(session.windows, tuple)
    assert session.period == "am" and session.period_label == "上午"
    assert session.full is True and session.remaining == 0 and session.windows[0].remaining == 0
    assert session.windows[0].ends_at - session.windows[0].starts_at == timedelta(minutes=30)


def test_optional_fields_take_null():
    bill = Bill.from_json({**sample("bill"), "provider": None, "account_number": None, "paid_at": None})
    assert bill.provider is None and bill.account_number is None and bill.paid_at is None


@pytest.mark.parametrize("change, where", [
    ({"realname_level": "3"}, "Me.realname_level"),
    ({"realname_level": True}, "Me.realname_level"),
    ({"realname_level": 3.0}, "Me.realname_level"),
    ({"name": None}, "Me.name"),
    ({"family": {"id": "C0006"}}, "Me.family"),
    ({"family": [{"id": "C0006"}]}, "Me.family[0].name"),
    ({"family": ["C0006"]}, "Me.family[0]"),
])
def test_a_wrong_type_is_refused_naming_the_field(change, where):
    err = refusal(Me, {**sample("me"), **change})
    assert err.detail.startswith(where + ":")


def test_a_missing_field_is_refused():
    data = sample("me")
    del data["unread_messages"]
    assert "Me.unread_messages: missing" in refusal(Me, data).detail


def test_a_field_with_a_default_may_be_missing():
    data = sample("token_pair")
    del data["token_type"]
    assert TokenPair.from_json(data).token_type == "Bearer"


@pytest.mark.parametrize("value", ["2026-06-15T09:00:00", "15/06/2026 09:00", "", 1781485200])
def test_an_instant_needs_an_offset(value):
    err = refusal(ServerClock, {**sample("clock"), "now": value})
    assert err.detail.startswith("ServerClock.now:")


@pytest.mark.parametrize("value", ["2033-02-30", "2033-09-02T00:00:00+08:00", "20330902"])
def test_a_day_must_be_a_calendar_day(value):
    assert refusal(Card, {**sample("card"), "valid_until": value}).detail.startswith("Card.valid_until:")


def test_not_an_object_is_refused():
    assert refusal(Card, ["K0001"]).detail == "Card: expected an object, got list"
    assert refusal(Card, None).detail == "Card: expected an object, got null"


def test_models_are_immutable():
    card = Card.from_json(sample("card"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.status = "lost"
    assert Card.from_json(sample("card")) == card


def test_secrets_stay_out_of_repr():
    pair = TokenPair.from_json(sample("token_pair"))
    qr = QrCode.from_json(sample("qr"))
    sms = OutboxSms.from_json(sample("outbox")[0])
    assert "SAMPLE-ACCESS" not in repr(pair) and "SAMPLE-REFRESH" not in repr(pair)
    assert qr.payload not in repr(qr) and qr.numeric_code not in repr(qr) and qr.qr_id in repr(qr)
    assert sms.code not in repr(sms) and "137" in repr(sms)


def test_the_login_code_is_read_from_an_outbox_text():
    sms = OutboxSms.from_json({"id": 7, "phone": "13705719050", "sent_at": "2026-06-15T09:00:00+08:00",
                               "text": "【浙里办】您的验证码是042917，5分钟内有效。请勿泄露给他人。"})
    assert sms.code == "042917"
    other = OutboxSms.from_json({**sample("outbox")[0], "text": "【浙里办】您的缴费已成功。"})
    assert other.code is None
