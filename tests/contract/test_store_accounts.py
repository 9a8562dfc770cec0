"""Accounts in the store: unique names in any letter case, bans, and the audit rows they leave."""

from __future__ import annotations

from datetime import timedelta

import pytest

from makaverse.server.store import Audit, Conflict, InvalidValue, NotFound

CLI = Audit(actor_id=None, via="cli")


def _make(store, username: str, **kw):
    return store.create_account(username=username, display_name=username[:32], password_hash="h", **kw)


def test_create_and_read_back(store, clock):
    """A new account reads back with its fields, folded username and the store's time."""
    account = _make(store, "Daeng.Ali", lang="en")
    assert account.username == "daeng.ali"
    assert (account.role, account.lang, account.banned) == ("citizen", "en", False)
    assert account.created_at == clock.now and account.created_at.tzinfo is not None
    assert store.get_account(account.id) == account
    assert store.get_account_by_username("DAENG.ALI") == account


def test_username_is_unique_in_any_letter_case(store):
    """A username taken as 'budi' cannot be taken again as 'BUDI'."""
    _make(store, "budi")
    with pytest.raises(Conflict):
        _make(store, "BUDI")
    assert store.count_accounts() == 1


def test_unknown_account_is_not_found(store):
    """Reading a missing account raises NotFound; credentials of a missing user are None."""
    with pytest.raises(NotFound):
        store.get_account(999)
    with pytest.raises(NotFound):
        store.get_account_by_username("nobody")
    assert store.get_credentials("nobody") is None


def test_staff_need_an_existing_opd(seeded):
    """A staff account must name an OPD, and the OPD must exist."""
    with pytest.raises(InvalidValue):
        _make(seeded, "petugas", role="staff")
    with pytest.raises(NotFound):
        _make(seeded, "petugas", role="staff", opd_code="NOPE")
    staff = _make(seeded, "petugas", role="staff", opd_code="DUKCAPIL")
    assert (staff.role, staff.opd_code) == ("staff", "DUKCAPIL")


def test_unknown_role_is_refused(store):
    """Roles outside citizen/staff/host/admin never reach the database."""
    with pytest.raises(InvalidValue):
        _make(store, "raja", role="king")


def test_ban_ends_sessions_and_is_audited(store):
    """Banning records the reason, revokes every session and writes an audit row in one go."""
    account = _make(store, "spammer")
    token = store.create_session(account.id, ttl_s=3600)
    banned = store.ban_account(account.id, reason="spam di chat", audit=CLI)
    assert banned.banned and banned.banned_reason == "spam di chat" and banned.banned_until is None
    assert store.resolve_session(token) is None
    (entry,) = store.list_audit(action="account.ban")
    assert entry.actor_id is None and entry.target == "account:spammer"
    assert entry.detail["via"] == "cli" and entry.detail["revoked_sessions"] == 1


def test_timed_ban_ends_by_itself(store, clock):
    """A ban with an end time no longer applies once that time has passed."""
    account = _make(store, "ribut")
    banned = store.ban_account(account.id, reason="flood", until=clock.now + timedelta(minutes=10), audit=CLI)
    assert banned.is_banned(clock.now)
    clock.advance(601)
    assert not store.get_account(account.id).is_banned(clock.now)


def test_unban_clears_the_ban(store):
    """Lifting a ban clears the flag, reason and end, and is audited."""
    account = _make(store, "maaf")
    store.ban_account(account.id, reason="x", audit=CLI)
    lifted = store.unban_account(account.id, audit=Audit(actor_id=None))
    assert (lifted.banned, lifted.banned_reason, lifted.banned_until) == (False, None, None)
    assert [e.action for e in store.list_audit()][:2] == ["account.unban", "account.ban"]


def test_list_accounts_and_last_seen(store, clock):
    """Accounts list in creation order, filter by role, and remember when they were last seen."""
    first = _make(store, "satu")
    _make(store, "dua", role="host")
    assert [a.username for a in store.list_accounts()] == ["satu", "dua"]
    assert [a.username for a in store.list_accounts(role="host")] == ["dua"]
    clock.advance(60)
    store.touch_last_seen(first.id)
    assert store.get_account(first.id).last_seen_at == clock.now
    with pytest.raises(NotFound):
        store.touch_last_seen(12345)


def test_set_password_can_end_sessions(store):
    """A new password replaces the hash and, when asked, logs every session out."""
    account = _make(store, "lupa")
    token = store.create_session(account.id, ttl_s=3600)
    store.set_password(account.id, "new-hash", revoke_sessions=True, audit=CLI)
    assert store.get_credentials("lupa").password_hash == "new-hash"
    assert store.resolve_session(token) is None
    assert store.list_audit(action="account.password")[0].detail["revoked_sessions"] is True
