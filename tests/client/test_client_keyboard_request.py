"""From the login screen to a stored service request with the keyboard alone: real key presses
(xdotool) into the shipped client's OpenGL window on Xvfb, and the server's database as the judge.

The path a citizen takes: log in (the username field has the keyboard), Esc on the look chooser
offered at the first entry ("later"), F1 for the directory, type "KTP", Enter: "Antar saya ke
sana" walks the avatar to the DUKCAPIL booth; F5 takes a number there; E opens the booth panel;
Tab to the "Layanan" tab, Enter; Tab to the KTP-el service's "Ajukan permohonan", Enter; the form's
first field has the keyboard: type the NIK, Tab, the name, Tab Tab Enter picks the first kind of
request, Tab Tab Enter the first kecamatan, Tab, the phone number; F6 sends it."""

from __future__ import annotations

import sqlite3
import subprocess
import time

import pytest
from client_harness import REPO, client_args, client_window, health, start_seeded_server, stop_process, wait_until

PASSWORD = "loket-rahasia-2"


@pytest.fixture(scope="module")
def citizen(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keyboard-request")
    srv = start_seeded_server(folder, [("besse", "citizen", "")], PASSWORD)
    yield srv, folder / "t.db"
    srv.stop()


def _count(db, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_keyboard_only_from_login_to_a_stored_request(citizen, x11, xdotool, tmp_path):
    """No mouse from the login screen to a KTP-el request in the server's database."""
    server, db = citizen
    settings = tmp_path / "settings.json"  # a first start: no look chosen yet, so the chooser is offered
    proc = subprocess.Popen(
        client_args(server.url, "--renderer", "gl", "--settings-file", str(settings), command="client",
                    offscreen=False),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=x11.env())
    try:
        window = client_window(x11, proc)
        # The login screen is live (and holds the keyboard) once the client has connected.
        assert wait_until(lambda: health(server)["clients"] > 0, 60), "the client never connected"
        time.sleep(2)
        xdotool("windowfocus", "--sync", window)

        def keys(*steps, pause_s: float = 0.6) -> None:
            for step in steps:
                xdotool(*step) if isinstance(step, tuple) else xdotool("key", step)
                time.sleep(pause_s)

        keys(("type", "--delay", "60", "besse"), "Tab", ("type", "--delay", "60", PASSWORD), "Return")
        assert wait_until(lambda: health(server)["avatars"] > 0, 60), "never logged in"

        def look_saved() -> bool:
            return settings.exists() and '"look": "skin=' in settings.read_text()

        # The look chooser opens once in the world; Esc is "later", which saves the look shown
        # (so it is not offered again): the settings file says when it happened.
        assert wait_until(look_saved, 60, every_s=2, then=lambda: keys("Escape")), "no look chooser to close"
        keys("F1", ("type", "--delay", "80", "KTP"), "Return")  # the directory: Take me there
        took = wait_until(lambda: _count(db, "select count(*) from tickets") > 0, 90, every_s=3,
                         then=lambda: keys("F5"))  # F5 takes a number once the avatar stands in the booth
        assert took, "no ticket: the avatar never reached the booth, or F5 did nothing"
        keys("e", "Tab", "Tab", "Tab", "Tab", "Return", pause_s=1.0)  # the panel; its "Layanan" tab
        keys("Tab", "Return", pause_s=1.0)  # the first service's "Ajukan permohonan": the form
        keys(("type", "--delay", "50", "7371010101010001"), "Tab",
             ("type", "--delay", "50", "Besse Daeng"), "Tab", "Tab", "Return",  # the kind of request: »
             "Tab", "Tab", "Return",  # the kecamatan: »
             "Tab", ("type", "--delay", "50", "081234567890"), "F6")
        stored = wait_until(lambda: _count(db, "select count(*) from service_requests") > 0, 30)
        assert stored, proc.stderr.read()[-2000:] if proc.poll() is not None else "no request stored"
        with sqlite3.connect(db) as conn:
            opd, values = conn.execute("select opd_code, field_values from service_requests").fetchone()
        assert opd == "DUKCAPIL"
        assert '"nik": "7371010101010001"' in values and "Besse Daeng" in values
        assert '"jenis_permohonan": "Perekaman baru"' in values
    finally:
        stop_process(proc)
