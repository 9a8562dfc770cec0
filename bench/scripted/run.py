"""`makaverse shot`: the client with a script — a walk, chat lines, booth actions — and a
screenshot run that reports where things are in the picture (see the package docstring)."""

from __future__ import annotations

import argparse
from typing import Any

from .event_options import add_event_options, add_host_options

__all__ = ["add_shot_options", "run_scripted"]


def add_shot_options(p: argparse.ArgumentParser) -> None:
    from makaverse.client.cli import add_client_options

    add_client_options(p)
    # A walk (sent as ordinary inputs) and fixed views.
    p.add_argument("--walk", default=None, metavar="X,Y;X,Y[@DEG]",
                   help="walk through these points (metres), then face DEG degrees (0 = north)")
    p.add_argument("--camera", default="follow", metavar="VIEW",
                   help="follow (default), hall, forecourt, auditorium or booth:<OPD>")
    p.add_argument("--show-login", action="store_true", help="show the login screen even offscreen")
    p.add_argument("--until-in-world", action="store_true",
                   help="with --show-login: take the picture once someone has logged in there, not of the screen")
    p.add_argument("--press", action="append", default=[], metavar="KEY",
                   help="press KEY (Panda3D's name: f9, tab, enter, a letter) once in the world, after --walk and "
                        "before the booth actions, one key a frame (repeatable)")
    # Chat (chat_script.py).
    p.add_argument("--say", action="append", default=None, metavar="TEXT",
                   help="type TEXT in the chat box once in the world, after --walk (repeatable; /commands work)")
    p.add_argument("--say-near", type=float, default=None, metavar="METRES",
                   help="with --say/--emote: wait until someone is within METRES")
    p.add_argument("--near-name", default=None, metavar="NAME",
                   help="with --say-near: only the avatar with this display name counts")
    p.add_argument("--emote", default=None, choices=("wave", "nod", "applaud", "raise_hand"),
                   help="play this emote once in the world (with --say's timing)")
    p.add_argument("--fold-chat", action="store_true", help="fold the chat box to one line once in the world (F4)")
    p.add_argument("--wait-chat", type=int, default=0, metavar="N",
                   help="with --screenshot: wait until N lines (chat, announcements, direct messages) arrived")
    # Booths (booth_script.py): run once the --walk has arrived.
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
    p.add_argument("--wait-new-request", action="store_true",
                   help="staff: wait until a request is submitted to your OPD while you are in the world")
    # Finding your way and settings (find_script.py), after --walk.
    p.add_argument("--directory", nargs="?", const="", default=None, metavar="QUERY",
                   help="open the directory (F1), searching for QUERY")
    p.add_argument("--take-me-there", action="store_true",
                   help="with --directory: walk to the first result (waits until arrived)")
    p.add_argument("--guide-seconds", type=float, default=None, metavar="S",
                   help="with --take-me-there: take the picture S seconds into the walk, the directory open")
    p.add_argument("--settings-panel", action="store_true", help="open the settings panel (F10)")
    p.add_argument("--look-chooser", action="store_true",
                   help="open the look chooser (F10, Avatar look) as at the first entry; --press keys then work in it")
    # Town-hall events (event_script.py), after --walk.
    add_event_options(p)
    # The host console (host_script.py), after --walk.
    add_host_options(p)


def build_scripted(base: Any, args: argparse.Namespace) -> Any:
    """The client's `ClientApp`, with the script's drivers stepping it once a frame."""
    from makaverse.client.app import ClientApp

    from .booth_script import BoothDriver
    from .chat_script import ChatScript
    from .event_script import EventDriver
    from .find_script import FindDriver
    from .host_script import HostDriver
    from .keys import KeyScript, client_summary
    from .route import autopilot_from_spec
    from .screenshot import ScriptedShot

    def make_shot(app: ClientApp, plan: Any) -> ScriptedShot:
        return ScriptedShot(plan, base, app.session, app.avatars, url=args.url, lang=app.lang)

    app = ClientApp(base, args, view=args.camera or "follow", make_shot=make_shot)
    if args.walk:
        app.session.autopilot = autopilot_from_spec(args.walk)
    chat = ChatScript(app, args)
    booths = BoothDriver(app, args)
    find = FindDriver(app, args)
    events = EventDriver(app, args)
    host = HostDriver(app, args)
    keys = KeyScript(app, list(args.press or ()))
    shot = app.shot
    if isinstance(shot, ScriptedShot):
        shot.also_wait_for.append(lambda: keys.done)
        shot.summary_parts["client"] = lambda: client_summary(app)

    def step(task: Any) -> Any:
        keys.step()
        chat.step()
        if keys.done:
            booths.step()
            find.step()
            events.step()
            host.step()
        return task.cont

    # After the session took in the network and before the booths' task sends their commands.
    base.add_task(step, "makaverse-script", sort=4)
    return app


def run_scripted(args: argparse.Namespace) -> int:
    from makaverse.client.app import run_client

    return run_client(args, build=build_scripted)
