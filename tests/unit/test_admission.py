"""The handshake admission policy: Origin allowlist and connection caps, decided without sockets."""

from __future__ import annotations

import pytest

from makaverse.server.net.admission import AdmissionPolicy, Verdict, parse_origins
from makaverse.server.settings import Settings


def policy(origins: str = "", *, total: int = 10, per_address: int = 3) -> AdmissionPolicy:
    return AdmissionPolicy(
        allowed_origins=parse_origins(origins), max_clients=total, max_clients_per_address=per_address
    )


def decide(p: AdmissionPolicy, origin: str | None = None, *, total: int = 0, here: int = 0) -> Verdict:
    return p.decide(origin=origin, open_total=total, open_from_address=here)


def test_no_origin_is_admitted_by_default_and_any_browser_origin_is_not():
    """By default a request without Origin (a native client) gets in and every browser origin is refused."""
    p = policy()
    assert decide(p) is Verdict.ADMIT
    assert decide(p, "https://balaikota.makassarkota.go.id") is Verdict.BAD_ORIGIN
    assert decide(p, "null") is Verdict.BAD_ORIGIN


def test_listed_origins_match_case_insensitively_without_trailing_slash():
    """An origin on the list is admitted however it is cased; other origins and ports are not."""
    p = policy("https://Balai.Example, http://localhost:8080/")
    assert decide(p, "https://balai.example") is Verdict.ADMIT
    assert decide(p, "HTTP://LOCALHOST:8080") is Verdict.ADMIT
    assert decide(p, "http://localhost:8081") is Verdict.BAD_ORIGIN
    assert decide(p, "https://balai.example.evil.test") is Verdict.BAD_ORIGIN
    assert decide(p) is Verdict.ADMIT


def test_star_admits_every_origin():
    """`*` lets any browser origin in."""
    assert decide(policy("*"), "https://anywhere.test") is Verdict.ADMIT


@pytest.mark.parametrize("spec", ["balai.example", "https://", "https://a.example/path", "*,https://a.example"])
def test_malformed_origin_lists_are_refused(spec):
    """A list entry that is not scheme://host[:port] (or `*` mixed with others) is a settings error."""
    with pytest.raises(ValueError):
        parse_origins(spec)
    with pytest.raises(ValueError):
        Settings(allowed_origins=spec)


def test_caps_refuse_the_connection_over_the_limit():
    """The global cap and the per-address cap each refuse the one connection beyond them."""
    p = policy(total=10, per_address=3)
    assert decide(p, total=9, here=2) is Verdict.ADMIT
    assert decide(p, total=10, here=0) is Verdict.SERVER_FULL
    assert decide(p, total=5, here=3) is Verdict.ADDRESS_FULL


def test_a_bad_origin_is_refused_before_the_caps_are_counted():
    """A refused origin reads as 403 even when the server is also full."""
    assert decide(policy(total=1), "https://evil.test", total=1) is Verdict.BAD_ORIGIN


def test_settings_defaults_and_environment():
    """Defaults: 64 per address, 1000 in all, no browser origins, 5 s to authenticate; MAKAVERSE_ALLOWED_ORIGINS sets the list."""
    s = Settings()
    assert (s.max_clients_per_address, s.max_clients, s.allowed_origins, s.hello_timeout_s) == (64, 1000, "", 5.0)
    env = {"MAKAVERSE_ALLOWED_ORIGINS": "https://a.example,https://b.example", "MAKAVERSE_MAX_CLIENTS_PER_ADDRESS": "8"}
    s = Settings.from_env(None, env=env)
    assert parse_origins(s.allowed_origins) == {"https://a.example", "https://b.example"}
    assert s.max_clients_per_address == 8
