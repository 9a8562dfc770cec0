"""Presence: avatars by resume token and by account, parked avatars and their reconnect grace."""

from __future__ import annotations

from makaverse.server.services.presence import Presence, token_key

GRACE_S = 60.0


def make() -> Presence:
    return Presence(grace_s=GRACE_S)


def test_bind_finds_the_avatar_by_token_account_and_id():
    """A bound avatar is found by its token, its account and its id, and is not parked."""
    p = make()
    b = p.bind(7, "tok-a", 42)
    assert p.by_token("tok-a") is b
    assert p.by_account(42) is b
    assert p.by_avatar(7) is b
    assert (b.avatar_id, b.account_id, b.detached) == (7, 42, False)
    assert len(p) == 1


def test_guest_binding_has_no_account():
    """A guest is found by token and id, has no account, and unbinds cleanly."""
    p = make()
    b = p.bind(3, "guest-token", None)
    assert p.by_token("guest-token") is b
    assert b.account_id is None
    assert p.unbind(3) is b and p.by_token("guest-token") is None


def test_unknown_and_empty_tokens_find_nothing():
    """An empty token never matches (not even a binding made with an empty token), and an unknown one finds nothing."""
    p = make()
    p.bind(1, "", None)
    assert p.by_token("") is None
    assert p.by_token("nope") is None
    assert p.by_account(99) is None
    assert p.by_avatar(99) is None


def test_tokens_are_kept_hashed():
    """Presence keeps a digest of the token, never the token itself."""
    p = make()
    b = p.bind(1, "very-secret-token", 5)
    assert b.key == token_key("very-secret-token") != "very-secret-token"
    assert token_key("a") != token_key("b")


def test_detach_parks_until_the_grace_runs_out():
    """A detached binding stays findable, and expires exactly when its grace deadline is reached."""
    p = make()
    p.bind(1, "t1", 10)
    b = p.detach(1, now_s=100.0)
    assert b is not None and b.detached and b.grace_deadline_s == 100.0 + GRACE_S
    assert p.by_token("t1") is b  # a reconnect within the grace finds it
    assert p.expired(100.0 + GRACE_S - 0.001) == []
    assert p.by_avatar(1) is b
    gone = p.expired(100.0 + GRACE_S)
    assert [g.avatar_id for g in gone] == [1]
    assert p.by_token("t1") is None and p.by_account(10) is None and p.by_avatar(1) is None
    assert len(p) == 0
    assert p.expired(1e9) == []  # reported once only


def test_attach_cancels_the_grace():
    """Attaching a parked avatar clears its deadline, so it never expires while connected."""
    p = make()
    p.bind(1, "t1", 10)
    p.detach(1, now_s=0.0)
    p.attach(1)
    assert not p.by_avatar(1).detached
    assert p.expired(1e9) == []
    assert p.by_token("t1").avatar_id == 1


def test_expired_only_takes_the_parked_ones():
    """Only detached bindings past their deadline expire; connected ones stay whatever the time."""
    p = make()
    p.bind(1, "t1", 10)
    p.bind(2, "t2", 20)
    p.bind(3, "t3", None)
    p.detach(1, now_s=0.0)
    p.detach(3, now_s=30.0)
    assert [b.avatar_id for b in p.expired(GRACE_S)] == [1]
    assert [b.avatar_id for b in p.expired(30.0 + GRACE_S)] == [3]
    assert p.by_avatar(2) is not None and len(p) == 1


def test_detach_of_an_unknown_avatar_is_harmless():
    """Detaching an avatar presence does not know returns None and changes nothing."""
    p = make()
    assert p.detach(5, now_s=1.0) is None
    assert len(p) == 0


def test_rekey_moves_the_avatar_to_the_new_token():
    """After a rekey the new token finds the avatar and the old one finds nothing; account and grace are kept."""
    p = make()
    p.bind(1, "old", 10)
    p.detach(1, now_s=5.0)
    p.rekey(1, "new")
    b = p.by_token("new")
    assert b is not None and b.avatar_id == 1
    assert p.by_token("old") is None
    assert p.by_account(10) is b
    assert b.grace_deadline_s == 5.0 + GRACE_S
    assert len(p) == 1


def test_unbind_removes_every_index():
    """Unbinding removes the avatar from token, account and id lookups, and a second unbind returns None."""
    p = make()
    b = p.bind(1, "t1", 10)
    assert p.unbind(1) is b
    assert p.by_token("t1") is None and p.by_account(10) is None and p.by_avatar(1) is None
    assert p.unbind(1) is None
    assert len(p) == 0


def test_unbinding_an_older_avatar_keeps_the_accounts_newer_one():
    """When an account's entry points to a newer avatar, unbinding the older one leaves the newer entry alone."""
    p = make()
    p.bind(1, "t1", 10)
    newer = p.bind(2, "t2", 10)
    p.unbind(1)
    assert p.by_account(10) is newer
    assert p.by_token("t2") is newer
