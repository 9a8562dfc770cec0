"""The ticket rules shared by the queues and the store (protocol/tickets.py)."""

from __future__ import annotations

import pytest

from makaverse.protocol.booths import TICKET_STATUSES
from makaverse.protocol.tickets import TicketStatus, holder_key, parse_holder
from makaverse.server.services import queues
from makaverse.server.store import models_booths


def test_a_holder_key_reads_back_as_what_it_was_made_from():
    """An account's key and a guest's key parse back to their kind and id."""
    assert parse_holder(holder_key(account_id=42, avatar_id=9)) == ("account", 42)
    assert parse_holder(holder_key(account_id=None, avatar_id=9)) == ("guest", 9)


@pytest.mark.parametrize("bad", ["", "42", "account:", "account:x", "robot:3", "guest:-1"])
def test_anything_else_is_not_a_holder_key(bad):
    """A string not made by holder_key is refused, not guessed at."""
    with pytest.raises(ValueError):
        parse_holder(bad)


def test_one_status_table_for_the_wire_the_queues_and_the_store():
    """The wire's status names, the queues' enum and the store's CHECK constraint are one list."""
    assert queues.TicketStatus is TicketStatus
    assert TICKET_STATUSES == {s.value for s in TicketStatus}
    assert set(models_booths.TICKET_STATUSES) == {s.value for s in TicketStatus}
