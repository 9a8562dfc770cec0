"""Account rules without a database: usernames, passwords, display names, hashing and throttling."""

from __future__ import annotations

import pytest

from makaverse.protocol.errors import ErrorCode
from makaverse.server.service_config import TEST_MODE_ENV, hasher_from_env
from makaverse.server.services import accounts
from makaverse.server.services.accounts import (
    AccountError,
    InvalidDisplayName,
    InvalidUsername,
    LoginThrottle,
    WeakPassword,
    check_password,
    make_hasher,
    normalize_display_name,
    normalize_username,
)


class Ticker:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.t = 50.0

    def __call__(self) -> float:
        return self.t


# -- usernames --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"), [("Budi", "budi"), ("  andi_99 ", "andi_99"), ("a.b", "a.b"), ("x" * 24, "x" * 24)]
)
def test_usernames_are_folded_and_trimmed(raw, stored):
    """Usernames are stored trimmed and in lower case, so 'Budi' and 'budi' are one name."""
    assert normalize_username(raw) == stored


@pytest.mark.parametrize("raw", ["ab", "x" * 25, "budi santoso", "budi-s", "bùdi", "budi!", "", "ａｂｃ"])
def test_bad_usernames_are_refused(raw):
    """Only 3 to 24 characters of a-z, 0-9, '_' and '.' make a username."""
    with pytest.raises(InvalidUsername) as caught:
        normalize_username(raw)
    assert caught.value.code == "invalid_username"


# -- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short7!", "too_short"),
        ("1234567890", "all_digits"),
        ("Budi.Santoso", "same_as_username"),
        ("x" * 129, "too_long"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, reason):
    """Passwords need 8+ characters, not only digits, and must differ from the username in any case."""
    with pytest.raises(WeakPassword) as caught:
        check_password(password, username="budi.santoso")
    assert (caught.value.code, caught.value.reason) == ("weak_password", reason)


@pytest.mark.parametrize("password", ["pisang-epe", "12345678a", "budi.santoso!", "        x"])
def test_good_passwords_pass(password):
    """Eight characters that are not all digits and not the username are enough."""
    check_password(password, username="budi.santoso")


# -- display names ----------------------------------------------------------------------------


def test_display_names_are_tidied_or_default_to_the_username():
    """Display names lose outer and repeated spaces; an empty one becomes the username."""
    assert normalize_display_name("  Daeng   Baso  ", fallback="baso") == "Daeng Baso"
    assert normalize_display_name(None, fallback="baso") == "baso"
    assert normalize_display_name("   ", fallback="baso") == "baso"
    assert normalize_display_name("Anrong Guru 👩‍🏫", fallback="x") == "Anrong Guru 👩‍🏫"


@pytest.mark.parametrize("raw", ["x" * 33, "tab\x07bell", "zero\u200bwidth", "admin\u202egnp"])
def test_bad_display_names_are_refused(raw):
    """Display names over 32 characters, with control characters or with invisible or bidi tricks are refused."""
    with pytest.raises(InvalidDisplayName):
        normalize_display_name(raw, fallback="x")


# -- errors -----------------------------------------------------------------------------------


def test_every_error_carries_a_protocol_code():
    """Each account error's code is one of the protocol's, so the server sends it as is."""
    errors = [e for e in vars(accounts).values() if isinstance(e, type) and issubclass(e, AccountError)]
    codes = {e.__name__: e.code for e in errors if e is not AccountError}
    assert all(isinstance(code, ErrorCode) for code in codes.values())
    assert codes == {
        "InvalidUsername": "invalid_username",
        "UsernameTaken": "username_taken",
        "WeakPassword": "weak_password",
        "InvalidDisplayName": "invalid_field",
        "ReservedName": "name_reserved",
        "BadCredentials": "bad_credentials",
        "Throttled": "throttled",
        "Banned": "banned",
        "TokenExpired": "token_expired",
        "InvalidToken": "token_expired",
    }


# -- hashing ----------------------------------------------------------------------------------


def test_hasher_is_strong_unless_test_mode_is_asked_for():
    """Hashing uses argon2's default cost; cheap parameters only with fast=True, which the wiring sets from MAKAVERSE_TEST_MODE=1."""
    strong = make_hasher()
    assert strong.memory_cost >= 65536 and strong.time_cost >= 2
    assert hasher_from_env({TEST_MODE_ENV: "1"}).memory_cost < strong.memory_cost
    assert hasher_from_env({}).memory_cost == strong.memory_cost
    assert make_hasher(fast=False).memory_cost == strong.memory_cost
    fast = make_hasher(fast=True)
    assert fast.verify(fast.hash("pisang-epe"), "pisang-epe")


# -- throttling -------------------------------------------------------------------------------


def test_throttle_refuses_after_five_failures_in_the_window():
    """Five failures within five minutes lock the key until the oldest of them is five minutes old."""
    clock = Ticker()
    throttle = LoginThrottle(max_failures=5, window_s=300, clock=clock)
    for _ in range(4):
        throttle.record_failure("budi")
        clock.t += 10
    assert throttle.retry_after("budi") == 0.0
    throttle.record_failure("budi")  # the fifth, at t=90; the first was at t=50
    assert throttle.retry_after("budi") == pytest.approx(300 - 40)
    assert throttle.retry_after("andi") == 0.0
    clock.t = 50 + 300
    assert throttle.retry_after("budi") == 0.0


def test_failures_outside_the_window_do_not_count():
    """Failures spread out more than the window apart never lock the key."""
    clock = Ticker()
    throttle = LoginThrottle(max_failures=5, window_s=300, clock=clock)
    for _ in range(50):
        throttle.record_failure("pelan")
        clock.t += 61
        assert throttle.retry_after("pelan") == 0.0


def test_reset_forgets_failures():
    """A successful login clears the account's failures."""
    throttle = LoginThrottle(max_failures=2, window_s=300, clock=Ticker())
    throttle.record_failure("k")
    throttle.record_failure("k")
    assert throttle.retry_after("k") > 0
    throttle.reset("k")
    assert throttle.retry_after("k") == 0.0


def test_throttle_memory_is_bounded():
    """However many keys fail, the throttle keeps at most max_keys of them, newest first."""
    clock = Ticker()
    throttle = LoginThrottle(max_failures=1, window_s=300, clock=clock, max_keys=100)
    for i in range(1000):
        throttle.record_failure(f"addr-{i}")
    assert len(throttle._failures) <= 100
    assert throttle.retry_after("addr-999") > 0
