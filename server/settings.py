"""One frozen settings object, built from CLI flags over `MAKAVERSE_*` environment variables."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from makaverse.protocol.ratelimit import MSG_BURST, MSG_RATE_PER_S

from .net.admission import parse_origins

__all__ = ["Settings", "SettingsError", "DEFAULT_DB_URL"]

DEFAULT_DB_URL = "sqlite:///var/makaverse.db"


class SettingsError(ValueError):
    """A setting a person gave that can't be used; the message names it and is the one line to show."""


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    db_url: str = DEFAULT_DB_URL
    redis_url: str = ""
    # Keys and channels in Redis start with this: deployments (or tests) sharing one Redis stay apart.
    redis_prefix: str = "makaverse:"
    # Several processes on one Redis: the address clients are redirected to for this process's
    # instances (what the reverse proxy routes here), and its name in the instance directory.
    public_url: str = ""
    process_id: str = ""  # empty: host name and port
    world_file: str = ""  # empty: the packaged Balai Kota
    instances: str = "building,auditorium"  # the world instances this process hosts, comma-separated
    tick_hz: int = 20
    snapshot_hz: int = 20
    input_hz: int = 20
    interest_radius_m: float = 40.0
    interest_k: int = 50
    max_clients: int = 1000
    # Players this process admits at most (0: no cap); beyond it a hello is answered `full`, naming
    # `full_url` (another server) when one is set. With `capacity_auto` the process also refuses
    # newcomers beyond what its own measured load allows. Unset (None), it does so when a refusal
    # can name somewhere to go (`full_url`, or other processes on Redis); a lone server with
    # nowhere to send people keeps letting them in and sheds detail instead.
    capacity_players: int = 0
    capacity_auto: bool | None = None
    full_url: str = ""
    # Open connections from one remote address (a NAT'd office shares one); over it: HTTP 503.
    max_clients_per_address: int = 64
    # Comma list of browser origins allowed to connect, or "*" for any. Requests without an
    # Origin header (the desktop client, bots, scripts) are always let in. Default: none.
    allowed_origins: str = ""
    max_frame_bytes: int = 64 * 1024
    send_queue_frames: int = 128
    # The kernel's send buffer per connection in bytes (SO_SNDBUF; 0: the kernel's own, which on
    # Linux grows to megabytes). A smaller one bounds the memory a stalled client holds and lets
    # the send queue above notice it (close 4001) before megabytes of snapshots pile up unread.
    send_buffer_bytes: int = 0
    ping_interval_s: float = 5.0
    ping_timeout_s: float = 10.0
    # A client that has sent nothing for this long (a seated audience) is pinged only this often.
    ping_idle_interval_s: float = 15.0
    close_timeout_s: float = 1.0
    hello_timeout_s: float = 5.0  # from connecting to entering the world: login/register and hello
    msg_rate_per_s: float = MSG_RATE_PER_S
    msg_burst: int = MSG_BURST
    reconnect_grace_s: float = 60.0
    # People per copy of the auditorium (its 150 seats: everyone sits; standing people jostle, and
    # every viewer then gets their moves every tick); more open an overflow copy.
    auditorium_capacity: int = 150
    # Processes that hold the WebSocket connections, next to the one that runs the world (0: one
    # process does both). See docs/performance.md, "gateways".
    gateways: int = 0
    loop: str = "auto"  # the event loop: auto (uvloop when installed) | uvloop | asyncio
    log_format: str = "json"  # json | text
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if not 1 <= self.tick_hz <= 120 or not 1 <= self.snapshot_hz <= self.tick_hz:
            raise ValueError("need 1 <= snapshot_hz <= tick_hz <= 120")
        if self.snapshot_hz and self.tick_hz % self.snapshot_hz:
            raise ValueError("tick_hz must be a multiple of snapshot_hz")
        if not 0 <= self.port <= 65535:
            raise ValueError("port out of range")
        if not 1 <= self.input_hz <= 120:
            raise ValueError("input_hz must be 1..120")
        if self.interest_radius_m <= 0 or self.interest_k < 1:
            raise ValueError("interest radius and K must be positive")
        # One tick may queue an enter and a leave per visible avatar plus a snapshot.
        if self.send_queue_frames < 2 * self.interest_k + 4:
            raise ValueError("send_queue_frames must hold a whole tick (2 * interest_k + 4)")
        if self.send_buffer_bytes and not 4096 <= self.send_buffer_bytes <= 64 * 1024 * 1024:
            raise ValueError("send_buffer_bytes must be 0 (the kernel's) or 4096..67108864")
        if self.msg_rate_per_s <= 0 or self.msg_burst < 1:
            raise ValueError("msg_rate_per_s must be > 0 and msg_burst >= 1")
        if not 1024 <= self.max_frame_bytes <= 1024 * 1024:
            raise ValueError("max_frame_bytes must be 1 KiB..1 MiB")
        if self.log_format not in ("json", "text"):
            raise ValueError("log_format must be json or text")
        if self.max_clients < 1 or self.max_clients_per_address < 1:
            raise ValueError("max_clients and max_clients_per_address must be >= 1")
        parse_origins(self.allowed_origins)  # raises ValueError for a malformed entry
        if self.hello_timeout_s <= 0:
            raise ValueError("hello_timeout_s must be > 0")
        if self.reconnect_grace_s < 0:
            raise ValueError("reconnect_grace_s must be >= 0")
        if self.capacity_players < 0:
            raise ValueError("capacity_players must be >= 0")
        if self.full_url and not self.full_url.startswith(("ws://", "wss://")):
            raise ValueError("full_url must be a ws:// or wss:// URL")
        if self.auditorium_capacity < 1:
            raise ValueError("auditorium_capacity must be >= 1")
        if not 0 <= self.gateways <= 64:
            raise ValueError("gateways must be 0..64")
        if self.loop not in ("auto", "uvloop", "asyncio"):
            raise ValueError("loop must be auto, uvloop or asyncio")
        if self.public_url and not self.public_url.startswith(("ws://", "wss://")):
            raise ValueError("public_url must start with ws:// or wss://")
        if len(self.public_url) > 256 or len(self.process_id) > 64:
            raise ValueError("public_url is at most 256 characters, process_id 64")
        if not self.instance_ids:
            raise ValueError("instances must name at least one instance (building, auditorium)")

    @property
    def clustered(self) -> bool:
        """Several processes share Redis and the store: the instance directory, redirects and
        cross-process pushes are on (a Redis URL and a public URL are both given)."""
        return bool(self.redis_url and self.public_url)

    @property
    def refuses_on_measure(self) -> bool:
        """Whether newcomers are refused beyond the measured capacity (see `capacity_auto`)."""
        if self.capacity_auto is not None:
            return self.capacity_auto
        return bool(self.full_url) or self.clustered

    @property
    def instance_ids(self) -> list[str]:
        return [i.strip() for i in self.instances.split(",") if i.strip()]

    @classmethod
    def from_env(cls, args: argparse.Namespace | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """Defaults, overridden by MAKAVERSE_<FIELD> variables, overridden by flags given on the command line."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = source.get(f"MAKAVERSE_{f.name.upper()}")
            if raw is not None and raw != "":
                try:
                    values[f.name] = _coerce(f.type, raw)
                except ValueError:
                    raise SettingsError(f"MAKAVERSE_{f.name.upper()}={raw!r} is not a {_kind(f.type)}") from None
            flag = getattr(args, f.name, None) if args is not None else None
            if flag is not None:
                values[f.name] = flag
        try:
            return cls(**values)
        except ValueError as exc:
            raise SettingsError(f"invalid settings: {exc}") from None


_BOOLS = ("bool", "bool | None")


def _kind(type_name: Any) -> str:
    t = type_name if isinstance(type_name, str) else type_name.__name__
    return "yes/no value (1, true, yes, on; 0, false, no, off)" if t in _BOOLS else "number"


def _coerce(type_name: Any, raw: str) -> Any:
    t = type_name if isinstance(type_name, str) else type_name.__name__
    if t == "int":
        return int(raw)
    if t == "float":
        return float(raw)
    if t in _BOOLS:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    return raw
