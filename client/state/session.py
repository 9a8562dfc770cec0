"""The main thread's client logic, with no Panda3D and no sockets: events in, inputs out.

`handle()` takes what the network thread delivered (server messages and connection-state
changes) and keeps the mirror, the prediction and the HUD facts up to date. `frame()` is
called once per rendered frame with the player's intent; it turns the intent into one
`Input` per input period (each predicted at once) and returns them for sending. The scene
reads `own_pose()` and `others()` to draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from makaverse.protocol import Error, Input, Message, Snapshot, SnapshotDelta, Welcome, quant
from makaverse.protocol.pacing import InputPacer
from makaverse.world import World

from .. import i18n
from ..net.events import ConnState, RttSample, StateChanged
from .autopilot import Autopilot
from .clock import ServerClock
from .controls import Intent, world_move
from .interpolation import DEFAULT_DELAY_MS, Pose
from .mirror import Mirror, MirroredAvatar
from .prediction import Prediction
from .router import Router

__all__ = ["ClientSession", "Notice", "TURN_RATE_RAD_S", "MAX_INPUTS_PER_FRAME"]

TURN_RATE_RAD_S = math.radians(120.0)
MAX_INPUTS_PER_FRAME = 3  # after a long stall, don't burst: the server would drop them anyway
_TAU = 2.0 * math.pi


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the player (an error or why the connection closed), as a translation key."""

    key: str
    fmt: tuple[tuple[str, object], ...] = ()
    at_ms: float = 0.0

    def text(self, lang: str) -> str:
        return i18n.t(self.key, lang, **dict(self.fmt))


class ClientSession:
    def __init__(self, world: World, *, lang: str = "id", delay_ms: float = DEFAULT_DELAY_MS) -> None:
        self.world = world
        self.lang = lang
        self.delay_ms = delay_ms
        self.mirror = Mirror()
        self.prediction = Prediction(world)
        self.clock = ServerClock()
        self.autopilot: Autopilot | None = None
        self.conn_state: ConnState = ConnState.CONNECTING
        self.retry_in_s = 0.0
        self.retry_at_ms: float | None = None
        self.close_code: int | None = None
        self.ever_welcomed = False
        self.rtt_ms: float | None = None
        self.notice: Notice | None = None
        self.yaw = 0.0
        self.input_hz = 20
        self.seq = 0
        self._last_move_seq = 0  # the newest input that asked to move
        self._acc_s = 0.0
        self._clock_s = 0.0  # seconds of frames so far (the pacer's clock)
        # Standing still sends no inputs, only a heartbeat and reports of new snapshot ticks.
        self.pacer = InputPacer()
        # The models of each job (login, chat, booths) get their messages through the router,
        # after the session has taken them in. A model that returns True for an `Error` claims
        # it: its panel shows it, so the HUD posts no notice.
        self.router = Router()
        self._request_id = 0

    def next_request_id(self) -> int:
        """A fresh `request_id` for a command; one counter for every panel, so that a reply or an
        `error` (its `ref`) can only belong to the panel that sent the command."""
        self._request_id = self._request_id % 0xFFFF_FFFF + 1
        return self._request_id

    # ── facts for the HUD ────────────────────────────────────────────────────
    @property
    def in_world(self) -> bool:
        return self.mirror.welcome is not None and self.conn_state is ConnState.OPEN

    @property
    def name(self) -> str:
        w = self.mirror.welcome
        return w.name if w is not None else ""

    @property
    def avatar_id(self) -> int | None:
        return self.mirror.self_id

    @property
    def snapshots(self) -> int:
        return self.mirror.snapshots

    def zone_name(self) -> str | None:
        """Your zone's name in the session's language; None before the welcome.

        The server's ZoneChanged decides; until one arrives (a resumed session may not get one)
        the shared world data answers for where the avatar stands.
        """
        zid = self.mirror.zone_id
        if zid is None:
            if self.mirror.welcome is None:
                return None
            zone = self.world.zone_of(self.prediction.x, self.prediction.y)
            return zone.name(self.lang) if zone is not None else i18n.t("hud.zone_none", self.lang)
        zone = self.world.zone(zid) if zid else None
        return zone.name(self.lang) if zone is not None else i18n.t("hud.zone_none", self.lang)

    def status_text(self, now_ms: float) -> str:
        s = self.conn_state
        if s is ConnState.OPEN:
            return i18n.t("conn.connected" if self.mirror.welcome else "conn.entering", self.lang)
        if s is ConnState.DISCONNECTED:
            left = self.retry_in_s
            if self.retry_at_ms is not None:
                left = max(0.0, (self.retry_at_ms - now_ms) / 1000.0)
            return i18n.t("conn.disconnected", self.lang, seconds=int(math.ceil(left)))
        if s is ConnState.CLOSED:
            return i18n.t("conn.closed", self.lang)
        return i18n.t("conn.connecting", self.lang)

    def ping_text(self) -> str:
        if self.rtt_ms is None:
            return i18n.t("hud.ping_unknown", self.lang)
        return i18n.t("hud.ping", self.lang, ms=int(round(self.rtt_ms)))

    # ── events in ────────────────────────────────────────────────────────────
    def handle(self, event: Message | StateChanged | RttSample, now_ms: float) -> None:
        """Take one event from the network thread; `now_ms` is `net.monotonic_ms()`."""
        if isinstance(event, StateChanged):
            self._on_state(event, now_ms)
            self.router.dispatch(event, now_ms)
            return
        if isinstance(event, RttSample):
            self._on_rtt(event)
            return
        if isinstance(event, Welcome):
            self._on_welcome(event, now_ms)
        elif isinstance(event, Error):
            if self.router.dispatch(event, now_ms):
                return
            key = f"error.{event.code}"
            self.notice = (
                Notice(key, at_ms=now_ms) if i18n.has(key) else Notice("error.unknown", (("code", event.code),), now_ms)
            )
            return
        self.mirror.apply(event)
        if isinstance(event, (Snapshot, SnapshotDelta)):
            self._on_snapshot(event, now_ms)
        else:
            self.router.dispatch(event, now_ms)

    def _on_state(self, event: StateChanged, now_ms: float) -> None:
        self.conn_state = event.state
        self.retry_in_s = event.retry_in_s
        self.retry_at_ms = now_ms + event.retry_in_s * 1000.0 if event.state is ConnState.DISCONNECTED else None
        if event.close_code is not None:
            self.close_code = event.close_code
            key = f"close.{event.close_code}"
            if i18n.has(key):
                self.notice = Notice(key, at_ms=now_ms)
            else:
                self.notice = Notice("close.unknown", (("code", event.close_code),), now_ms)
        if event.state is not ConnState.OPEN:
            # Others' poses go stale while we're away; the next welcome sends them again.
            for other in self.mirror.others():
                self.mirror.avatars.pop(other.id, None)

    def _on_welcome(self, msg: Welcome, now_ms: float) -> None:
        self.ever_welcomed = True
        self.input_hz = msg.input_hz
        self.yaw = quant.u16_to_yaw(msg.yaw)
        self.prediction.reset(quant.cm_to_m(msg.x_cm), quant.cm_to_m(msg.y_cm), input_hz=msg.input_hz)
        self.clock.reset()
        self.clock.observe(msg.server_time_ms, now_ms)
        self._acc_s = 0.0
        self.pacer.reset()
        self.notice = None

    def _on_rtt(self, sample: RttSample) -> None:
        rtt = sample.rtt_ms
        self.rtt_ms = rtt if self.rtt_ms is None else 0.7 * self.rtt_ms + 0.3 * rtt

    def _on_snapshot(self, msg: Snapshot | SnapshotDelta, now_ms: float) -> None:
        self.clock.observe(msg.server_time_ms, now_ms)
        pose = self.mirror.self_server_pose()
        if pose is not None and self.mirror.welcome is not None:
            self.prediction.reconcile(msg.ack_seq, pose.x, pose.y)

    # ── per frame ────────────────────────────────────────────────────────────
    def frame(self, dt: float, intent: Intent) -> list[Input]:
        """Advance by one rendered frame; returns the inputs to send (zero or more)."""
        if intent.forward or intent.right or intent.turn or intent.yaw_delta:
            self.autopilot = None  # the player takes over
        if intent.face is not None:
            self.yaw = intent.face % _TAU
        else:
            self.yaw = (self.yaw + intent.turn * TURN_RATE_RAD_S * dt + intent.yaw_delta) % _TAU
        self.prediction.decay(dt)
        self._clock_s += dt
        if not self.in_world:
            self._acc_s = 0.0
            return []
        period = 1.0 / self.input_hz
        self._acc_s += dt
        out: list[Input] = []
        while self._acc_s >= period and len(out) < MAX_INPUTS_PER_FRAME:
            self._acc_s -= period
            msg = self._next_input(intent, period)
            if msg is not None:
                out.append(msg)
        if self._acc_s > period:
            self._acc_s = period  # the rest of a stall is dropped, not replayed later
        return out

    def _next_input(self, intent: Intent, period: float) -> Input | None:
        """This input period's input, or None when standing still has nothing new to say."""
        if self.autopilot is not None:
            p = self.prediction
            self.autopilot.resume_if_displaced(p.x, p.y)
            step_m = (self.world.run_speed_mps if self.autopilot.run else self.world.walk_speed_mps) * period
            intent = self.autopilot.intent(p.x, p.y, period, step_m)
            if intent.face is not None:
                self.yaw = intent.face % _TAU
        mx, my = world_move(self.yaw, intent.forward, intent.right)
        yaw, run, ack_tick = quant.yaw_to_u16(self.yaw), bool(intent.run), self.mirror.book.ack_tick
        if not self.pacer.due(self._clock_s, mx, my, yaw, run, ack_tick):
            return None
        self.seq += 1
        if mx or my:
            self._last_move_seq = self.seq
        msg = Input(seq=self.seq, move_x=mx, move_y=my, yaw=yaw, run=run, ack_tick=ack_tick)
        self.prediction.apply(msg)
        return msg

    def alpha(self) -> float:
        """How far the display is between the last two predicted steps."""
        return min(1.0, self._acc_s * self.input_hz)

    def own_pose(self) -> Pose | None:
        if self.mirror.welcome is None:
            return None
        x, y = self.prediction.display(self.alpha())
        anim = 0
        me = self.mirror.me
        if me is not None and me.history.newest is not None:
            anim = me.history.newest.anim
        return Pose(x, y, self.yaw, anim)

    def render_time_ms(self, now_ms: float) -> float | None:
        server_now = self.clock.server_now_ms(now_ms)
        return None if server_now is None else server_now - self.delay_ms

    def others(self, now_ms: float) -> list[tuple[MirroredAvatar, Pose]]:
        """Everyone else, where to draw them now (about `delay_ms` behind the server)."""
        at = self.render_time_ms(now_ms)
        out = []
        for avatar in self.mirror.others():
            pose = avatar.history.sample(at)
            if pose is not None:
                out.append((avatar, pose))
        return out

    @property
    def autopilot_done(self) -> bool:
        """No scripted walk, or it has arrived and the server has applied every step of it."""
        a, p = self.autopilot, self.prediction
        if a is None:
            return True
        return a.done and p.ack_seq >= self._last_move_seq and (a.at_goal(p.x, p.y) or a.gave_up)
