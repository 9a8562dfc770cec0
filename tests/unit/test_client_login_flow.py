"""The login flow without Panda3D or sockets: what it sends, what it shows, where it goes next."""

from __future__ import annotations

import pytest

from makaverse.client import i18n
from makaverse.client.net.events import ConnState, StateChanged
from makaverse.client.state.auth_state import AuthFlow, AuthPhase, error_text, role_label
from makaverse.client.state.controls import Controls
from makaverse.client.state.session import ClientSession
from makaverse.client.ui.focus import KeyboardFocus
from makaverse.protocol import AuthOk, Error, Hello, Login, Logout, Register, Welcome
from makaverse.world import load_default_world


class FakeNet:
    """Records what the flow asks of the network thread."""

    def __init__(self, *, open_: bool = True) -> None:
        self.open = open_
        self.sent: list = []
        self.entered: list[Hello] = []
        self.forgotten = 0

    def send(self, msg) -> bool:
        if not self.open:
            return False
        self.sent.append(msg)
        return True

    def enter(self, hello: Hello) -> None:
        self.entered.append(hello)

    def forget(self) -> None:
        self.forgotten += 1


def _welcome(role: str = "citizen", opd: str = "") -> Welcome:
    return Welcome(avatar_id=7, name="Andi", role=role, world_id="balai-kota-makassar", tick_hz=20, snapshot_hz=20,
                   input_hz=20, interest_radius_cm=4000, server_time_ms=1, x_cm=0, y_cm=0, yaw=0, token="t0k3n",
                   opd=opd)


def _auth_ok(request_id: int, role: str = "citizen") -> AuthOk:
    return AuthOk(request_id=request_id, token="t0k3n", username="andi", display_name="Andi", role=role)


def _connected(lang: str = "id") -> tuple[AuthFlow, FakeNet]:
    net = FakeNet()
    flow = AuthFlow(net, lang=lang)
    flow.handle(StateChanged(ConnState.OPEN))
    return flow, net


def test_login_then_auth_ok_says_hello_with_the_token():
    """Log in: `login` goes out; its `auth_ok` makes the client enter with the token; the welcome puts it in."""
    flow, net = _connected()
    assert flow.login("andi", "rahasia-123")
    login = net.sent[-1]
    assert isinstance(login, Login) and login.username == "andi" and login.password == "rahasia-123"
    assert flow.phase is AuthPhase.WAITING and flow.busy
    flow.handle(_auth_ok(login.request_id))
    assert flow.phase is AuthPhase.ENTERING
    assert net.entered[-1].token == "t0k3n" and net.entered[-1].name == "Andi"
    assert flow.token == "t0k3n" and flow.who == "account"
    flow.handle(_welcome())
    assert flow.phase is AuthPhase.IN_WORLD and flow.error is None


def test_register_sends_the_display_name_and_language():
    """Register carries username, password, a tidied display name and the screen's language."""
    flow, net = _connected(lang="en")
    assert flow.register("sari", "panjang-sekali", "  Sari   Dewi ")
    reg = net.sent[-1]
    assert isinstance(reg, Register)
    assert (reg.username, reg.display_name, reg.lang) == ("sari", "Sari Dewi", "en")


def test_a_login_asked_for_offline_goes_out_when_the_connection_opens():
    """Clicking Log in while still connecting sends the login as soon as the socket is open."""
    net = FakeNet(open_=False)
    flow = AuthFlow(net)
    flow.login("andi", "rahasia-123")
    assert net.sent == [] and flow.phase is AuthPhase.WAITING
    net.open = True
    flow.handle(StateChanged(ConnState.OPEN))
    assert isinstance(net.sent[-1], Login)


def test_a_login_lost_with_the_connection_is_sent_again():
    """The connection drops before `auth_ok`: the same login goes out on the next connection."""
    flow, net = _connected()
    flow.login("andi", "rahasia-123")
    first = net.sent[-1]
    flow.handle(StateChanged(ConnState.DISCONNECTED, retry_in_s=0.5))
    flow.handle(StateChanged(ConnState.OPEN))
    assert net.sent[-1] == first and len(net.sent) == 2


@pytest.mark.parametrize("code", ["bad_credentials", "username_taken", "invalid_username", "weak_password",
                                  "throttled", "unavailable"])
def test_each_refusal_returns_to_the_form_with_its_translated_message(code):
    """An error answering the login shows the form again, with the code's sentence in each language."""
    flow, net = _connected()
    flow.login("andi", "salah")
    claimed = flow.handle(Error(code=code, text="retry in 61 s", ref=net.sent[-1].request_id))
    assert claimed
    assert flow.phase is AuthPhase.CHOOSING and not flow.busy
    assert flow.error.text("id") == i18n.t(f"error.{code}", "id")
    assert flow.error.text("en") == i18n.t(f"error.{code}", "en")
    assert "61" not in flow.error.text("en")  # built from the code, never the server's hint


def test_a_ban_shows_until_when_after_the_translated_line():
    """`banned` is the one refusal whose server text (until when, why) is shown, after our own sentence."""
    flow, net = _connected()
    flow.login("andi", "rahasia-123")
    flow.handle(Error(code="banned", text="until 2030-01-01T00:00+00:00: spam", ref=net.sent[-1].request_id))
    text = flow.error.text("id")
    assert text.startswith(i18n.t("error.banned", "id"))
    assert "2030-01-01" in text


def test_an_error_for_someone_else_is_not_claimed():
    """An error whose `ref` is not the pending login is left for other panels (and the HUD)."""
    flow, net = _connected()
    flow.login("andi", "rahasia-123")
    assert not flow.handle(Error(code="not_found", ref=net.sent[-1].request_id + 100))
    assert flow.phase is AuthPhase.WAITING


def test_empty_fields_are_refused_locally():
    """Nothing is sent for an empty username or password; the form says what is missing."""
    flow, net = _connected()
    assert not flow.login("  ", "x")
    assert not flow.register("andi", "")
    assert net.sent == []
    assert flow.error.text("en") == i18n.t("login.missing", "en")


def test_guest_enters_with_the_chosen_name():
    """Enter as guest: a hello without a token, with the (tidied) name or empty for a server-picked one."""
    flow, net = _connected()
    flow.guest("  Daeng  Tata ")
    assert flow.phase is AuthPhase.ENTERING and flow.who == "guest"
    assert net.entered[-1].name == "Daeng Tata" and net.entered[-1].token == ""


def test_token_expired_after_a_reconnect_returns_an_account_to_the_login_screen():
    """An account's token has ended while it was away: back to the form, saying so, and the token is forgotten."""
    flow, net = _connected()
    flow.login("andi", "rahasia-123")
    flow.handle(_auth_ok(net.sent[-1].request_id))
    flow.handle(_welcome())
    flow.handle(StateChanged(ConnState.DISCONNECTED, retry_in_s=0.5))
    flow.handle(StateChanged(ConnState.OPEN))
    assert flow.phase is AuthPhase.ENTERING
    assert flow.handle(Error(code="token_expired"))
    assert flow.phase is AuthPhase.CHOOSING
    assert flow.error.code == "token_expired"
    assert flow.token == "" and net.forgotten == 1


def test_token_expired_for_a_guest_enters_as_a_new_guest():
    """A guest whose visit the server forgot simply comes back as a new guest with the same name."""
    flow, net = _connected()
    flow.guest("Daeng")
    flow.handle(_welcome(role="guest"))
    flow.handle(StateChanged(ConnState.OPEN))
    assert flow.handle(Error(code="token_expired"))
    assert flow.phase is AuthPhase.ENTERING
    assert net.entered[-1].name == "Daeng" and net.entered[-1].token == ""


def test_logout_sends_logout_and_shows_the_form():
    """Log out: `logout` goes out, the token is forgotten on both threads, the form comes back."""
    flow, net = _connected()
    flow.login("andi", "rahasia-123")
    flow.handle(_auth_ok(net.sent[-1].request_id))
    flow.handle(_welcome())
    flow.logout()
    assert isinstance(net.sent[-1], Logout)
    assert net.forgotten == 1 and flow.token == ""
    assert flow.phase is AuthPhase.CHOOSING and flow.logged_out


def test_a_late_auth_ok_for_an_abandoned_request_is_ignored():
    """An `auth_ok` whose request id is not the pending one changes nothing."""
    flow, net = _connected()
    flow.login("andi", "rahasia-123")
    flow.handle(_auth_ok(net.sent[-1].request_id + 5))
    assert flow.phase is AuthPhase.WAITING and net.entered == []


def test_roles_read_as_the_hud_shows_them():
    """Warga, Petugas with the OPD, Pembawa Acara, Admin (and English)."""
    assert role_label("citizen", "", "id") == "Warga"
    assert role_label("staff", "DUKCAPIL", "id") == "Petugas DUKCAPIL"
    assert role_label("host", "", "id") == "Pembawa Acara"
    assert role_label("admin", "", "en") == "Admin"
    assert role_label("staff", "DINKES", "en") == "Staff DINKES"


def test_error_text_knows_unknown_codes():
    """A code this client has never heard of still reads as a sentence with the code in it."""
    assert "brand_new" in error_text("brand_new", "", "en")


def test_the_session_hands_claimed_errors_to_the_panel_not_the_hud():
    """A login error the flow claims posts no HUD notice; an unclaimed error still does."""
    world = load_default_world()
    session = ClientSession(world)
    flow, net = _connected()
    session.router.add(flow.handle, owns=flow.OWNS, watches=flow.WATCHES)
    flow.login("andi", "x-password")
    session.handle(Error(code="bad_credentials", ref=net.sent[-1].request_id), 0)
    assert session.notice is None and flow.error.code == "bad_credentials"
    session.handle(Error(code="not_found", ref=999), 0)
    assert session.notice is not None and session.notice.key == "error.not_found"


def test_request_ids_are_shared_and_never_zero():
    """Every panel draws its request ids from the session, so two panels never share one."""
    session = ClientSession(load_default_world())
    ids = [session.next_request_id() for _ in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    session._request_id = 0xFFFF_FFFF
    assert session.next_request_id() == 1


def test_a_focused_text_field_stops_the_avatar_and_esc_gives_the_keys_back():
    """While a text field holds the keys, W does not walk (held keys are dropped); Esc releases it."""
    controls = Controls()
    focus = KeyboardFocus(controls)
    controls.set("forward", True)
    released = []
    focus.take("chat-line", on_release=lambda: released.append(True))
    assert focus.active and controls.read().forward == 0.0
    controls.set("forward", True)
    assert controls.read().forward == 0.0
    assert focus.escape() and released == [True]
    assert not focus.active
    controls.set("forward", True)
    assert controls.read().forward == 1.0


def test_focus_passes_between_fields_releasing_the_previous_one():
    """Taking the focus for another field releases the first (its callback runs); a stale release is ignored."""
    focus = KeyboardFocus()
    seen = []
    focus.subscribe(seen.append)
    log = []
    focus.take("username", on_release=lambda: log.append("username"))
    focus.take("password", on_release=lambda: log.append("password"))
    assert log == ["username"] and focus.holds("password")
    assert not focus.release("username")
    assert focus.release("password") and log == ["username", "password"]
    assert seen == ["username", "password", None]
    with pytest.raises(ValueError):
        focus.take(None)


def test_a_dropped_connection_is_still_a_visit_but_a_fresh_entry_is_not():
    """The chat box stays through a reconnect of a welcomed session; before the first welcome it is not shown."""
    flow, net = _connected()
    flow.guest("Daeng")
    assert not flow.visiting
    flow.handle(_welcome(role="guest"))
    assert flow.visiting
    flow.handle(StateChanged(ConnState.DISCONNECTED, retry_in_s=1.0))
    flow.handle(StateChanged(ConnState.OPEN))
    assert flow.phase is AuthPhase.ENTERING and flow.visiting
    flow.logout()
    assert not flow.visiting


def test_reserved_and_unclean_names_are_refused_before_sending():
    """A reserved or unclean display or guest name is refused by the client with the server's code, nothing sent."""
    flow, net = _connected()
    assert not flow.register("andi", "rahasia-123", "Adm1n")
    assert flow.error.code == "name_reserved"
    assert not flow.register("staff", "rahasia-123")
    assert flow.error.code == "name_reserved"
    assert not flow.guest("Tamu-1234")
    assert flow.error.code == "name_reserved" and flow.error.text("en") == i18n.t("error.name_reserved", "en")
    assert not flow.guest("Da\u202eeng")
    assert flow.error.code == "invalid_field"
    assert net.sent == [] and net.entered == []
