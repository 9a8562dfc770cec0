"""Register, log in and resume through `services.accounts`, over each store backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from makaverse.server.accounts import Accounts
from makaverse.server.services.accounts import (
    BadCredentials,
    Banned,
    InvalidToken,
    LoginThrottle,
    Throttled,
    TokenExpired,
    UsernameTaken,
    WeakPassword,
)
from makaverse.server.store import Audit

ADDRESS = "203.0.113.7"
TTL_S = 3600


class Ticker:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def accounts(store, hasher, ticker) -> Accounts:
    return Accounts(
        store,
        hasher=hasher,
        account_throttle=LoginThrottle(max_failures=5, window_s=300, clock=ticker),
        address_throttle=LoginThrottle(max_failures=20, window_s=300, clock=ticker),
        session_ttl_s=TTL_S,
    )


def test_register_login_resume(accounts, store):
    """A citizen registers (and is logged in), logs in again in any letter case, and resumes by token."""
    account, token = accounts.register("Andi_M", "pisang-epe", display_name="Andi")
    assert (account.username, account.display_name, account.role) == ("andi_m", "Andi", "citizen")
    assert accounts.resume(token) == account
    again, token2 = accounts.login("ANDI_M", "pisang-epe", ADDRESS)
    assert again.id == account.id and token2 != token
    assert store.get_account(account.id).last_seen_at is not None
    assert store.get_credentials("andi_m").password_hash.startswith("$argon2id$")


def test_registering_a_taken_name(accounts):
    """A username taken in any letter case is 'username_taken'; weak passwords are refused before that."""
    accounts.register("coto", "makassar-1")
    with pytest.raises(UsernameTaken):
        accounts.register("COTO", "makassar-2")
    with pytest.raises(WeakPassword):
        accounts.register("konro", "12345678")


def test_unknown_user_and_wrong_password_look_the_same(accounts):
    """Logging in as nobody and with a wrong password both fail as 'bad_credentials'."""
    accounts.register("pallubasa", "kuah-kental")
    with pytest.raises(BadCredentials) as unknown:
        accounts.login("nobody", "kuah-kental", ADDRESS)
    with pytest.raises(BadCredentials) as wrong:
        accounts.login("pallubasa", "kuah-encer", ADDRESS)
    with pytest.raises(BadCredentials):
        accounts.login("!!", "kuah-kental", ADDRESS)
    assert unknown.value.code == wrong.value.code == "bad_credentials"


def test_five_failures_throttle_the_account(accounts, ticker):
    """After five wrong passwords in five minutes even the right one is refused, until the window passes."""
    accounts.register("sabar", "tunggu-dulu")
    for _ in range(5):
        with pytest.raises(BadCredentials):
            accounts.login("sabar", "salah-terus", ADDRESS)
    with pytest.raises(Throttled) as caught:
        accounts.login("sabar", "tunggu-dulu", "198.51.100.1")
    assert 0 < caught.value.retry_after_s <= 300
    ticker.t += 301
    account, _ = accounts.login("sabar", "tunggu-dulu", ADDRESS)
    assert account.username == "sabar"


def test_banned_account_is_refused(accounts, store, clock):
    """A banned account cannot log in or resume; a timed ban lets them back when it ends."""
    account, token = accounts.register("nakal", "tidak-sopan")
    store.ban_account(account.id, reason="kata kasar", until=clock.now + timedelta(hours=1), audit=Audit(actor_id=None))
    with pytest.raises(Banned) as caught:
        accounts.login("nakal", "tidak-sopan", ADDRESS)
    assert caught.value.reason == "kata kasar" and caught.value.code == "banned"
    with pytest.raises(Banned):  # the ban ended the session, and resuming says why
        accounts.resume(token)
    clock.advance(3601)
    _, token = accounts.login("nakal", "tidak-sopan", ADDRESS)
    assert accounts.resume(token).id == account.id


def test_expired_and_revoked_tokens_are_refused(accounts, clock):
    """Expired, revoked and unknown tokens are all refused as 'token_expired', by distinct classes."""
    _, token = accounts.register("lama", "sudah-lama")
    clock.advance(TTL_S)
    with pytest.raises(TokenExpired):
        accounts.resume(token)
    _, token = accounts.login("lama", "sudah-lama", ADDRESS)
    assert accounts.logout(token)
    for bad in (token, "made-up", ""):
        with pytest.raises(InvalidToken) as caught:
            accounts.resume(bad)
        assert caught.value.code == "token_expired"


def test_password_change_and_reset_end_sessions(accounts):
    """Changing or resetting a password logs out every session; only the new password works."""
    account, token = accounts.register("ganti", "kata-lama-1")
    with pytest.raises(BadCredentials):
        accounts.change_password(account.id, "keliru-sekali", "kata-baru-2")
    accounts.change_password(account.id, "kata-lama-1", "kata-baru-2")
    with pytest.raises(InvalidToken):
        accounts.resume(token)
    _, token = accounts.login("ganti", "kata-baru-2", ADDRESS)
    accounts.reset_password("GANTI", "kata-admin-3", audit=Audit(actor_id=None, via="cli"))
    with pytest.raises(InvalidToken):
        accounts.resume(token)
    with pytest.raises(BadCredentials):
        accounts.login("ganti", "kata-baru-2", ADDRESS)
    assert accounts.login("ganti", "kata-admin-3", ADDRESS)[0].id == account.id


def test_staff_accounts_are_created_with_an_audit_row(accounts, seeded):
    """An admin creating a staff account leaves an audit row naming the OPD."""
    staff = accounts.create_user(
        username="petugas.dlh",
        password="bersih-kota",
        role="staff",
        opd_code="DLH",
        audit=Audit(actor_id=None, via="cli"),
    )
    assert (staff.role, staff.opd_code) == ("staff", "DLH")
    (entry,) = seeded.list_audit(action="account.create")
    assert entry.detail == {"role": "staff", "opd_code": "DLH", "via": "cli"}


def test_registering_writes_account_and_session_together_and_last_seen_is_coarse(accounts, store, clock):
    """A registration is seen at once; resuming within 10 minutes leaves 'last seen' as it was, later moves it."""
    account, token = accounts.register("daeng_a", "coto-makassar")
    registered = store.get_account(account.id).last_seen_at
    assert registered == clock.now and account.last_seen_at == registered
    assert store.find_session(token).account.id == account.id
    clock.now += timedelta(minutes=9)
    accounts.resume(token)
    assert store.get_account(account.id).last_seen_at == registered
    clock.now += timedelta(minutes=2)
    accounts.resume(token)
    assert store.get_account(account.id).last_seen_at == clock.now


def test_a_taken_name_leaves_no_session_behind(accounts, store):
    """Registering a taken name writes nothing: no second account, no session for it."""
    first, _ = accounts.register("konro_b", "sop-saudara-1")
    with pytest.raises(UsernameTaken):
        accounts.register("KONRO_B", "sop-saudara-2")
    assert store.count_accounts() == 1 and store.get_account(first.id).username == "konro_b"
