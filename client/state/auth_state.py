"""How the player enters the world: as a guest, by logging in, or by registering. No Panda3D.

`AuthFlow` is the login screen's logic and the session's memory of who you are. It talks to
the network through three calls (`send`, `enter`, `forget`, see `net.client.NetClient`), so it
can be tested with a fake. The transitions, in one place:

    CHOOSING --login/register--> WAITING --auth_ok--> ENTERING --welcome--> IN_WORLD
    CHOOSING --guest-----------------------------------> ENTERING
    WAITING  --error-----------> CHOOSING (with the translated error)
    ENTERING --token_expired---> CHOOSING (an account: log in again) | ENTERING (a guest: a new one)
    any      --logout----------> CHOOSING

A login or register asked for while the connection is down is sent when it opens; one whose
answer was lost with the connection is sent again. The token lives only in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from makaverse.protocol import (
    PROTOCOL_VERSION,
    AuthOk,
    Error,
    ErrorCode,
    Hello,
    Login,
    Logout,
    Message,
    Register,
    RemoteProtocolError,
    Welcome,
)

from .. import i18n
from ..net.events import ConnState, StateChanged

__all__ = ["AuthPhase", "AuthFlow", "AuthError", "role_label", "error_text", "AUTH_ERROR_CODES"]


class AuthPhase(Enum):
    CHOOSING = "choosing"  # the login screen is up; nothing sent yet
    WAITING = "waiting"  # login or register sent (or queued until connected); waiting for auth_ok
    ENTERING = "entering"  # hello said; waiting for the welcome
    IN_WORLD = "in_world"


# Errors that answer a login, a register or a hello: the login screen shows these.
AUTH_ERROR_CODES = frozenset({
    ErrorCode.BAD_CREDENTIALS, ErrorCode.USERNAME_TAKEN, ErrorCode.INVALID_USERNAME, ErrorCode.WEAK_PASSWORD,
    ErrorCode.THROTTLED, ErrorCode.BANNED, ErrorCode.TOKEN_EXPIRED, ErrorCode.UNAVAILABLE,
    ErrorCode.INVALID_FIELD, ErrorCode.VERSION, ErrorCode.RATE_LIMITED,
})


class _Net(Protocol):
    def send(self, msg: Message) -> bool: ...

    def enter(self, hello: Hello) -> None: ...

    def forget(self) -> None: ...


def role_label(role: str, opd: str, lang: str) -> str:
    """The role as the HUD shows it: Warga, Petugas DUKCAPIL, Pembawa Acara, Admin, Tamu."""
    key = f"role.{role}"
    label = i18n.t(key, lang) if i18n.has(key) else role
    return f"{label} {opd}" if role == "staff" and opd else label


def error_text(code: str, detail: str, lang: str) -> str:
    """An error code in the player's language. Only a ban adds the server's words (until when)."""
    key = f"error.{code}"
    text = i18n.t(key, lang) if i18n.has(key) else i18n.t("error.unknown", lang, code=code)
    if code == ErrorCode.BANNED and detail:
        text = f"{text} ({detail})"
    return text


@dataclass(frozen=True, slots=True)
class AuthError:
    """Why the login screen is showing again: an error `code` (or a local `login.*` key)."""

    code: str
    detail: str = ""  # the server's text, shown only for `banned`
    local: bool = False  # `code` is an i18n key of our own (empty fields, …)

    def text(self, lang: str) -> str:
        if self.local:
            return i18n.t(self.code, lang)
        return error_text(self.code, self.detail, lang)


class AuthFlow:
    # What the router (`router.py`) hands to `handle`.
    OWNS: tuple[type, ...] = (AuthOk,)
    WATCHES: tuple[type, ...] = (StateChanged, Welcome, Error)

    def __init__(self, net: _Net, *, lang: str = "id", kind: str = "desktop", style: bytes = b"") -> None:
        self.net = net
        self.lang = lang
        self.kind = kind
        self.style = style  # the citizen's chosen look (protocol/look.py), sent with every entry
        self.phase = AuthPhase.CHOOSING
        self.who: str | None = None  # "guest" or "account" once chosen
        self.guest_name = ""
        self.account: AuthOk | None = None
        self.token = ""  # in memory only
        self.error: AuthError | None = None
        self.connected = False
        self.logged_out = False  # the last transition to CHOOSING was the player's own logout
        self._next_id = 0
        self._pending: Login | Register | None = None  # until its answer arrives
        self._pending_sent = False
        self._welcomed = False  # this entry has been welcomed (a reconnect is only a hiccup)

    # ── what the screen asks for ─────────────────────────────────────────────
    @property
    def busy(self) -> bool:
        """A request is on its way (the screen disables its buttons)."""
        return self.phase in (AuthPhase.WAITING, AuthPhase.ENTERING)

    @property
    def visiting(self) -> bool:
        """In the world, or getting back in after a dropped connection (the chat box stays up)."""
        return self.phase is AuthPhase.IN_WORLD or (self.phase is AuthPhase.ENTERING and self._welcomed)

    def login(self, username: str, password: str) -> bool:
        username = username.strip()
        if not username or not password:
            self.error = AuthError("login.missing", local=True)
            return False
        return self._request(Login(request_id=self._new_id(), username=username[:64], password=password[:128]))

    def register(self, username: str, password: str, display_name: str = "") -> bool:
        username = username.strip()
        if not username or not password:
            self.error = AuthError("login.missing", local=True)
            return False
        display_name = " ".join(display_name.split())[:32]
        try:
            msg = Register(request_id=self._new_id(), username=username[:64], password=password[:128],
                           display_name=display_name, lang=self.lang)
        except RemoteProtocolError as exc:
            # The server's name rules (protocol/text.py), checked here first: a reserved or unclean name.
            self.error = AuthError(exc.code.value)
            return False
        return self._request(msg)

    def guest(self, name: str = "") -> bool:
        """Enter as a guest (an empty name: the server picks one like Tamu-4821). False, with
        `error` set, when the name breaks the server's name rules (reserved, control characters)."""
        try:
            self.guest_name = self._hello(name=" ".join(name.split())[:32]).name
        except RemoteProtocolError as exc:
            self.error = AuthError(exc.code.value)
            return False
        self.who = "guest"
        self.account, self.token = None, ""
        self._pending = None
        self.error = None
        self.logged_out = False
        self._welcomed = False
        self.phase = AuthPhase.ENTERING
        self.net.enter(self._hello(name=self.guest_name))
        return True

    def logout(self) -> None:
        """Leave the world (the server revokes the token) and show the login screen."""
        if self.phase is AuthPhase.IN_WORLD:
            self.net.send(Logout(request_id=0))
        self.net.forget()
        self.who, self.account, self.token = None, None, ""
        self._pending = None
        self.error = None
        self.logged_out = True
        self.phase = AuthPhase.CHOOSING

    # ── what the network says ────────────────────────────────────────────────
    def handle(self, event, now_ms: float = 0.0) -> bool:
        """Take one network event; True when it was an `Error` this flow shows (claimed)."""
        if isinstance(event, StateChanged):
            self._on_state(event)
            return False
        if isinstance(event, AuthOk):
            self._on_auth_ok(event)
        elif isinstance(event, Welcome):
            self.phase = AuthPhase.IN_WORLD
            self._welcomed = True
            self.error = None
        elif isinstance(event, Error):
            return self._on_error(event)
        return False

    def _on_state(self, event: StateChanged) -> None:
        self.connected = event.state is ConnState.OPEN
        if event.state is ConnState.OPEN:
            if self.phase is AuthPhase.WAITING:
                self._pending_sent = False
                self._flush()
            elif self.who is not None:
                self.phase = AuthPhase.ENTERING  # the net thread says hello (resuming) itself
        elif event.state is ConnState.CLOSED and self.phase is AuthPhase.WAITING:
            self._pending = None
            self.phase = AuthPhase.CHOOSING
            self.error = AuthError(ErrorCode.UNAVAILABLE)

    def _on_auth_ok(self, msg: AuthOk) -> None:
        if self._pending is None or msg.request_id != self._pending.request_id:
            return  # an answer to a request we gave up on
        self._pending = None
        self.account, self.token = msg, msg.token
        self.who = "account"
        self.error = None
        self.logged_out = False
        self._welcomed = False
        self.phase = AuthPhase.ENTERING
        self.net.enter(self._hello(name=msg.display_name, token=msg.token))

    def _on_error(self, msg: Error) -> bool:
        code = msg.code
        if self.phase is AuthPhase.WAITING and self._pending is not None:
            if msg.ref == self._pending.request_id or (msg.ref == 0 and code in AUTH_ERROR_CODES):
                self._pending = None
                self.phase = AuthPhase.CHOOSING
                self.error = AuthError(code, msg.text if code == ErrorCode.BANNED else "")
                return True
            return False
        if code == ErrorCode.TOKEN_EXPIRED and self.phase in (AuthPhase.ENTERING, AuthPhase.IN_WORLD):
            if self.who == "guest":
                self.guest(self.guest_name)  # a guest's visit is over: come back as a new one
                return True
            self.net.forget()
            self.who, self.account, self.token = None, None, ""
            self.phase = AuthPhase.CHOOSING
            self.logged_out = False
            self.error = AuthError(code)
            return True
        if code == ErrorCode.BANNED and self.phase is AuthPhase.ENTERING:
            self.net.forget()
            self.who, self.account, self.token = None, None, ""
            self.phase = AuthPhase.CHOOSING
            self.error = AuthError(code, msg.text)
            return True
        if self.phase is AuthPhase.CHOOSING and code in AUTH_ERROR_CODES:
            self.error = AuthError(code, msg.text if code == ErrorCode.BANNED else "")
            return True
        return False

    # ── plumbing ─────────────────────────────────────────────────────────────
    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _hello(self, *, name: str, token: str = "") -> Hello:
        return Hello(version=PROTOCOL_VERSION, name=name, kind=self.kind, lang=self.lang, token=token,
                     style=self.style)

    def _request(self, msg: Login | Register) -> bool:
        if self.phase in (AuthPhase.ENTERING, AuthPhase.IN_WORLD):
            return False
        self._pending, self._pending_sent = msg, False
        self.error = None
        self.logged_out = False
        self.phase = AuthPhase.WAITING
        self._flush()
        return True

    def _flush(self) -> None:
        if self._pending is not None and not self._pending_sent and self.connected:
            self._pending_sent = self.net.send(self._pending)
