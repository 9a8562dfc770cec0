"""The town-hall flags of `makaverse shot` (event_script.py and host_script.py run them).

Kept apart from the scripts so the command line is built without Panda3D: `makaverse` must
start, and say which extra is missing, on a server-only install."""

from __future__ import annotations

import argparse


def add_event_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--event-board", action="store_true", help="open the event board (F12) and wait until it has loaded")
    p.add_argument("--event-register", action="store_true",
                   help="register (Tab to the board's Register button, Enter) for the first event you are not in")
    p.add_argument("--event-title", default=None, metavar="TITLE",
                   help="with --event-register/--event-go: the event to pick on the board (default: the first)")
    p.add_argument("--event-wait-started", action="store_true", help="wait for an event's 'started' notice")
    p.add_argument("--event-go", action="store_true",
                   help="go to the live event (Tab to Go to event, Enter) and wait until seated")
    p.add_argument("--event-sit", action="store_true", help="press E at the seat you stand by")
    p.add_argument("--event-vote", type=int, default=None, metavar="N",
                   help="wait for an open poll and press digit N to vote")
    p.add_argument("--event-hand", action="store_true", help="press H (raise your hand); wait until the hall lists it")
    p.add_argument("--event-ask", default=None, metavar="TEXT", help="ask TEXT in the questions panel (Q)")
    p.add_argument("--event-questions", action="store_true", help="open the questions panel (Q) at the end")
    p.add_argument("--event-board-end", action="store_true", help="open the event board (F12) at the very end")
    p.add_argument("--event-wait-line", default=None, metavar="TEXT",
                   help="wait until a stage line containing TEXT shows as a subtitle")
    p.add_argument("--event-timeout", type=float, default=120.0, metavar="S", help="how long each step may wait")


def add_host_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host-schedule", default=None, metavar="TITLE", help="host: schedule an event from the console")
    p.add_argument("--host-open", action="store_true", help="host: open the event (the console then joins it)")
    p.add_argument("--host-wait-live", action="store_true",
                   help="host: wait until the event is live and you are in its hall (someone opens it: Ctrl+O)")
    p.add_argument("--host-deck", default=None, metavar="PATH", help="host: load a deck (folder, or files with ;)")
    p.add_argument("--host-next", type=int, default=0, metavar="N", help="host: advance N slides")
    p.add_argument("--host-poll", default=None, metavar="Q|A|B", help="host: open a poll (question|options...)")
    p.add_argument("--host-wait-votes", type=int, default=0, metavar="N", help="host: wait for N votes in the poll")
    p.add_argument("--host-wait-hands", type=int, default=0, metavar="N", help="host: wait for N raised hands")
    p.add_argument("--host-floor", action="store_true", help="host: give the floor to the first raised hand")
    p.add_argument("--host-console", action="store_true", help="host: leave the console open for the picture")
