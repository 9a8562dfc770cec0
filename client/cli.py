"""Client subcommand: `client`."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_commands", "add_client_options", "DEFAULT_URL"]

DEFAULT_URL = "ws://127.0.0.1:8765"


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("client", help="open the 3D client and connect to a server")
    add_client_options(p)
    p.set_defaults(func=_client)


def add_client_options(p: argparse.ArgumentParser, *, default_url: str = DEFAULT_URL) -> None:
    """The options of `makaverse client` (scripted runs in `bench/scripted/` add their own; the
    desktop app, `desktop.py`, passes the URL it was built for)."""
    p.add_argument("--url", default=default_url, help=f"the server (default {default_url})")
    p.add_argument("--ca-file", default=None, metavar="PEM",
                   help="for wss://: trust this certificate authority besides the system's "
                        "(default: $MAKAVERSE_CA_FILE)")
    p.add_argument("--name", type=_shown_name, default="",
                   help="enter as a guest under this name (empty: the server picks one)")
    p.add_argument("--look", default="", metavar="PART=VALUE,...",
                   help="your avatar's look, e.g. skin=3,headwear=hijab,pattern=batik,top=#1e5aa8 "
                        "(skin 0-5; headwear none/hijab/peci/songkok/passapu; pattern plain/batik/"
                        "balo_renni/balo_lobang; colours top/accent/bottom/head)")
    p.add_argument("--lang", choices=("id", "en"), default=None, help="id or en (default: your settings, else id)")
    p.add_argument("--preset", choices=("low", "medium", "high"), default=None,
                   help="graphics preset for this run (default: your settings, else medium)")
    p.add_argument("--settings-file", dest="settings_path", type=Path, default=None, metavar="PATH",
                   help="settings file (default: $MAKAVERSE_SETTINGS, else ~/.config/makaverse/settings.json)")
    p.add_argument("--offscreen", action="store_true", help="render without a window (software renderer by default)")
    p.add_argument("--renderer", choices=("gl", "software"), default=None,
                   help="gl (OpenGL; the default in a window) or software (Panda3D's tinydisplay; "
                        "the default offscreen)")
    p.add_argument("--screenshot", default=None, help="write a PNG after --frames frames, then exit")
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--window-size", type=_size, default=(1280, 720), metavar="WxH",
                   help="the window's (or offscreen buffer's) size in pixels (default 1280x720)")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="with --screenshot: how long to wait for the server before rendering anyway (20)")
    # Accounts (ui/chat_layer.py): without --name or --user a window shows the login screen.
    p.add_argument("--user", default=None, metavar="USERNAME", help="log in as USERNAME (no login screen)")
    p.add_argument("--password-env", default="MAKAVERSE_PASSWORD", metavar="VAR",
                   help="with --user: the environment variable holding the password (MAKAVERSE_PASSWORD)")
    p.add_argument("--register", action="store_true", help="with --user: create the account first")
    p.add_argument("--display-name", type=_shown_name, default="", help="with --register: the name others see")


def _shown_name(text: str) -> str:
    """A name others will see, checked by the server's rules before anything starts (a reserved
    name such as "Tamu" or "Admin" is refused here with the message the login screen shows)."""
    from makaverse.protocol import PROTOCOL_VERSION, Hello, ProtocolError

    from . import i18n

    name = " ".join(text.split())
    try:
        Hello(version=PROTOCOL_VERSION, name=name, kind="desktop")
    except ProtocolError as exc:
        raise argparse.ArgumentTypeError(i18n.t(f"error.{exc.code.value}", "en")) from None
    return name


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("WIDTHxHEIGHT, e.g. 1024x600") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise argparse.ArgumentTypeError("between 320x240 and 7680x4320")
    return w, h


def _client(args: argparse.Namespace) -> int:
    from .app import run_client

    return run_client(args)
