"""The `chatty` scenario: bots tour the building like `wander` and talk while they do.

Each bot says a line every few seconds (mostly nearby, sometimes a whisper, a shout or to its
zone) and now and then waves, nods, applauds or raises a hand, always well inside the server's
chat budget (5 lines in a burst, then one a second), so any `slow_down` in a report is a finding.
It counts what it sent and what it heard.
"""

from __future__ import annotations

from makaverse.protocol import Chat, ChatSend, Emote, Emoted, Error
from makaverse.protocol.chat import EMOTES
from makaverse.protocol.messages import Message

from .scenarios import ScenarioContext, Wander, register_scenario

__all__ = ["Chatty"]

LINES = (
    "Selamat pagi, Daeng!",
    "Antrean Dukcapil panjang hari ini?",
    "Di mana loket Dinas Kesehatan?",
    "Acara di auditorium mulai jam berapa?",
    "Terima kasih atas bantuannya.",
    "Good morning from Makassar!",
    "Is the DPMPTSP counter open?",
    "Sampai jumpa di lobi.",
    "Coto Makassar di dekat sini enak.",
    "See you at the town hall meeting.",
)
CHANNELS = (("nearby", 0.70), ("whisper", 0.05), ("shout", 0.10), ("zone", 0.15))
EMOTE_NAMES = tuple(sorted(EMOTES))


@register_scenario("chatty")
class Chatty(Wander):
    """Wanders, says a line every 3-8 s and plays an emote every 10-25 s."""

    LINE_EVERY_S = (3.0, 8.0)
    EMOTE_EVERY_S = (10.0, 25.0)

    def __init__(self, ctx: ScenarioContext) -> None:
        super().__init__(ctx)
        self.next_line_at: float | None = None
        self.next_emote_at: float | None = None
        self.request_id = 0

    def _channel(self) -> str:
        r = self.rng.random()
        for name, share in CHANNELS:
            if r < share:
                return name
            r -= share
        return "nearby"

    def outgoing(self, now_s: float) -> list[Message]:
        if self.next_line_at is None or self.next_emote_at is None:
            # Spread the first lines so the bots don't all speak on the same tick.
            self.next_line_at = now_s + self.rng.uniform(0.0, self.LINE_EVERY_S[1])
            self.next_emote_at = now_s + self.rng.uniform(*self.EMOTE_EVERY_S)
        out: list[Message] = []
        if now_s >= self.next_line_at:
            self.next_line_at = now_s + self.rng.uniform(*self.LINE_EVERY_S)
            self.request_id += 1
            channel = self._channel()
            out.append(ChatSend(request_id=self.request_id, text=self.rng.choice(LINES), channel=channel))
            self.counters["lines_sent"] += 1
            self.counters[f"lines_sent_{channel}"] += 1
        if now_s >= self.next_emote_at:
            self.next_emote_at = now_s + self.rng.uniform(*self.EMOTE_EVERY_S)
            out.append(Emote(emote=self.rng.choice(EMOTE_NAMES)))
            self.counters["emotes_sent"] += 1
        return out

    def on_message(self, msg: Message, now_s: float) -> None:
        if isinstance(msg, Chat):
            own = msg.avatar_id == self.ctx.welcome.avatar_id
            self.counters["lines_echoed" if own else "lines_heard"] += 1
        elif isinstance(msg, Emoted):
            self.counters["emotes_seen"] += 1
        elif isinstance(msg, Error) and msg.code == "slow_down":
            self.counters["slowed_down"] += 1
