"""Client subcommand: `client`."""

from __future__ import annotations

import argparse

__all__ = ["add_commands", "add_client_arguments", "DEFAULT_URL"]

DEFAULT_URL = "ws://127.0.0.1:8765"


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("client", help="open the 3D client and connect to a server")
    add_client_arguments(p)
    p.set_defaults(func=_client)


def add_client_arguments(p: argparse.ArgumentParser, *, default_url: str = DEFAULT_URL) -> None:
    """The client's options (shared by `makaverse client` and the desktop app)."""
    p.add_argument("--url", default=default_url, help=f"the server (default {default_url})")
    p.add_argument("--name", default="")
    p.add_argument("--lang", choices=("id", "en"), default="id")
    p.add_argument("--look", default="", metavar="PART=VALUE,...",
                   help="your avatar's look, e.g. skin=3,headwear=hijab,pattern=batik,top=#1e5aa8 "
                        "(skin 0-5; headwear none/hijab/peci/songkok/passapu; pattern plain/batik/"
                        "balo_renni/balo_lobang; colours top/accent/bottom/head)")
    p.add_argument("--graphics", choices=("low", "medium", "high"), default="medium",
                   help="graphics preset; high adds sun shadows on OpenGL (the software renderer stays medium)")
    p.add_argument("--offscreen", action="store_true", help="render without a window (software renderer)")
    p.add_argument("--screenshot", default=None, help="write a PNG after --frames frames, then exit")
    p.add_argument("--frames", type=int, default=60)
    # For screenshots, demos and tests: a scripted walk (sent as ordinary inputs) and fixed views.
    p.add_argument("--walk", default=None, metavar="X,Y;X,Y[@DEG]",
                   help="walk through these points (metres), then face DEG degrees (0 = north)")
    p.add_argument("--camera", default="follow", metavar="VIEW",
                   help="follow (default), hall, forecourt, auditorium or booth:<OPD>")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="with --screenshot: how long to wait for the server before rendering anyway (20)")
    # Accounts (ui/chat_layer.py): without --name or --user a window shows the login screen.
    p.add_argument("--user", default=None, metavar="USERNAME", help="log in as USERNAME (no login screen)")
    p.add_argument("--password-env", default="MAKAVERSE_PASSWORD", metavar="VAR",
                   help="with --user: the environment variable holding the password (MAKAVERSE_PASSWORD)")
    p.add_argument("--register", action="store_true", help="with --user: create the account first")
    p.add_argument("--display-name", default="", help="with --register: the name others see")
    p.add_argument("--show-login", action="store_true", help="show the login screen even offscreen")
    # Chat, for demos and tests.
    p.add_argument("--say", action="append", default=None, metavar="TEXT",
                   help="type TEXT in the chat box once in the world, after --walk (repeatable; /commands work)")
    p.add_argument("--say-near", type=float, default=None, metavar="METRES",
                   help="with --say/--emote: wait until someone is within METRES")
    p.add_argument("--near-name", default=None, metavar="NAME",
                   help="with --say-near: only the avatar with this display name counts")
    p.add_argument("--emote", default=None, choices=("wave", "nod", "applaud", "raise_hand"),
                   help="play this emote once in the world (with --say's timing)")
    p.add_argument("--wait-chat", type=int, default=0, metavar="N",
                   help="with --screenshot: wait until N lines (chat, announcements, direct messages) arrived")
    # Booths, for demos, screenshots and tests (ui/booth_script.py): run once the --walk has arrived.
    p.add_argument("--open-booth", nargs="?", const="about", default=None, choices=("about", "programs", "services"),
                   help="open the panel of the booth you stand at (on this tab)")
    p.add_argument("--take-number", action="store_true", help="take a number at the booth you stand at")
    p.add_argument("--request", default=None, metavar="SERVICE", help="submit a request for SERVICE there")
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE", help="with --request (repeatable)")
    p.add_argument("--note", default="", help="with --request: the note")
    p.add_argument("--my-requests", action="store_true", help="open 'my requests' (and the newest one)")
    p.add_argument("--man-counter", action="store_true", help="staff: man your counter (stand behind it)")
    p.add_argument("--staff-console", nargs="?", const="counter", default=None,
                   choices=("counter", "requests", "edit"), help="staff: open the console on this tab")
    p.add_argument("--call-next", action="store_true", help="staff: call the next citizen (waits for one)")
    p.add_argument("--counter-say", default=None, metavar="TEXT", help="say TEXT across the counter")
    p.add_argument("--wait-called", action="store_true", help="wait until your number is called")


def _client(args: argparse.Namespace) -> int:
    from .app import run_client

    return run_client(args)
