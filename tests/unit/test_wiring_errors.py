"""The one mapping from an exception to what the peer is told: a code naming the message, our own hint, maybe a close; never the exception's text."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from makaverse.protocol import CloseCode, Error, ErrorCode
from makaverse.server.rooms.effects import Refused
from makaverse.server.services.accounts import Banned, Throttled
from makaverse.server.services.chat import ChatRefusal
from makaverse.server.store import IllegalTransition, NotFound, Unavailable
from makaverse.server.wiring.errors import outcome_of


def test_refusals_keep_their_code_hint_and_close():
    """A component's refusal becomes its code and hint, naming the message; a close it asks for comes along."""
    out = outcome_of(Refused(ErrorCode.NOT_AT_BOOTH, "stand closer"), ref=12, conn_id=3)
    assert out.error == Error(code="not_at_booth", text="stand closer", ref=12) and out.close is None
    out = outcome_of(Refused(ErrorCode.VERSION, "server speaks 1", close=CloseCode.VERSION_MISMATCH), ref=0, conn_id=3)
    assert out.close == CloseCode.VERSION_MISMATCH
    assert outcome_of(ChatRefusal(ErrorCode.SLOW_DOWN, "retry in 2 s"), ref=4, conn_id=1).error.code == "slow_down"


def test_store_and_account_errors_map_to_stable_codes():
    """Missing things, illegal moves, a failing database, throttling and bans each have their code."""
    assert outcome_of(NotFound("MKS-1"), ref=1, conn_id=1).error.code == "not_found"
    moved = outcome_of(IllegalTransition("done", "submitted"), ref=2, conn_id=1).error
    assert moved.code == "illegal_transition"
    assert outcome_of(Unavailable("db down: password=x"), ref=3, conn_id=1).error == Error(
        code="unavailable", text="storage failing; retry later", ref=3
    )
    assert outcome_of(Throttled(29.5), ref=4, conn_id=1).error.text == "retry in 30 s"
    ban = outcome_of(Banned("spam", datetime(2026, 1, 2, 3, 4, tzinfo=UTC)), ref=5, conn_id=1).error
    assert ban.code == "banned" and ban.text.startswith("until 2026-01-02T03:04")


def test_a_bug_is_internal_without_its_text_and_logged_with_the_connection(caplog):
    """An exception we did not foresee is `internal` with no text for the peer; the log has the traceback and the connection id."""
    try:
        raise KeyError("rahasia")
    except KeyError as exc:
        error = exc
    with caplog.at_level(logging.ERROR, logger="makaverse.errors"):
        out = outcome_of(error, ref=9, conn_id=42, what="CHAT_SEND")
    assert out.error == Error(code="internal", ref=9) and out.close is None
    (record,) = [r for r in caplog.records if r.getMessage() == "handler_failed"]
    assert record.fields == {"conn": 42, "type": "CHAT_SEND"} and record.exc_info[1] is error
