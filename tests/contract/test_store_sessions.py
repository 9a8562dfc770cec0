"""Session tokens: shown once, stored as a digest, valid until they expire or are revoked."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from makaverse.server.store import InvalidValue, NotFound
from makaverse.server.store.models import SessionRow


@pytest.fixture
def account(store):
    return store.create_account(username="pengunjung", display_name="Pengunjung", password_hash="h")


def test_token_resolves_to_its_account(store, account):
    """A fresh token leads back to the account that logged in."""
    token = store.create_session(account.id, ttl_s=3600)
    assert len(token) >= 40
    assert store.resolve_session(token) == account


def test_only_the_digest_is_stored(store, account):
    """The database holds the SHA-256 of a token, never the token itself."""
    token = store.create_session(account.id, ttl_s=3600)
    with store._read() as session:
        stored = session.scalars(select(SessionRow.token_sha256)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_token_expires(store, account, clock):
    """A token works until its lifetime passes, then resolves to nothing but is still found as expired."""
    token = store.create_session(account.id, ttl_s=600)
    clock.advance(599)
    assert store.resolve_session(token) == account
    clock.advance(1)
    assert store.resolve_session(token) is None
    info = store.find_session(token)
    assert info is not None and info.is_expired(clock.now) and not info.revoked


def test_revoked_token_no_longer_resolves(store, account):
    """Logging out revokes exactly that token; revoking it again reports nothing to revoke."""
    kept = store.create_session(account.id, ttl_s=3600)
    token = store.create_session(account.id, ttl_s=3600)
    assert store.revoke_session(token) is True
    assert store.revoke_session(token) is False
    assert store.resolve_session(token) is None
    assert store.resolve_session(kept) == account


def test_unknown_tokens(store, account):
    """An unknown token resolves to nothing; a session for a missing account or with no lifetime is refused."""
    assert store.resolve_session("not-a-token") is None
    assert store.find_session("not-a-token") is None
    assert store.revoke_session("not-a-token") is False
    with pytest.raises(NotFound):
        store.create_session(999, ttl_s=60)
    with pytest.raises(InvalidValue):
        store.create_session(account.id, ttl_s=0)


def test_revoke_all_and_purge(store, account, clock):
    """Revoking an account's sessions ends them all; purging deletes revoked and expired rows."""
    tokens = [store.create_session(account.id, ttl_s=3600) for _ in range(3)]
    assert store.revoke_sessions(account.id) == 3
    assert all(store.resolve_session(t) is None for t in tokens)
    live = store.create_session(account.id, ttl_s=60)
    old = store.create_session(account.id, ttl_s=10)
    clock.advance(30)
    assert store.purge_sessions() == 4
    assert store.resolve_session(live) == account
    assert store.find_session(old) is None
