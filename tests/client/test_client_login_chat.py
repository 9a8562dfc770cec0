"""The login screen and chat, rendered offscreen against a real server (a tmp SQLite file) and
checked on the pixels the client writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from client_harness import REPO, client_args, load_rgb, makaverse_command, run_client, start_client, start_server

pytest.importorskip("panda3d")

PASSWORD = "rahasia-balai-kota"
PASSWORD_ENV = "MAKAVERSE_TEST_CLIENT_PASSWORD"
GOLD = (245, 194, 66)  # the login panel's top stripe (ACCENT)


@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory):
    """A server with cheap password hashing, and a staff member, an admin and two citizens."""
    db_dir = tmp_path_factory.mktemp("db")
    env = {"MAKAVERSE_TEST_MODE": "1"}
    url = f"sqlite:///{db_dir}/t.db"
    makaverse_command("db", "seed", "--db", url, env=env)
    for username, role, opd, name in (("petugas1", "staff", "DUKCAPIL", "Sari"), ("wali", "admin", None, "Wali"),
                                      ("budi", "citizen", None, "Budi"), ("citra", "citizen", None, "Citra")):
        makaverse_command("admin", "create-user", "--db", url, "--username", username, "--role", role,
                          "--display-name", name, "--password", PASSWORD, *(["--opd", opd] if opd else []), env=env)
    srv = _start_cheap_server(db_dir)
    yield srv
    srv.stop()


def _start_cheap_server(db_dir: Path, port: int = 0):
    """`start_server` with MAKAVERSE_TEST_MODE=1 (cheap password hashing) in the server's environment."""
    old = os.environ.get("MAKAVERSE_TEST_MODE")
    os.environ["MAKAVERSE_TEST_MODE"] = "1"
    try:
        return start_server(db_dir, port=port)
    finally:
        if old is None:
            os.environ.pop("MAKAVERSE_TEST_MODE")
        else:
            os.environ["MAKAVERSE_TEST_MODE"] = old


@pytest.fixture(autouse=True)
def _password_in_env(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def _social(run) -> dict:
    assert "social" in run.summary, run.stderr[-2000:]
    return run.summary["social"]


def _near(rgb, box, colour, tol: int = 28) -> float:
    """Share of pixels in box (x0, y0, x1, y1) within `tol` of `colour` on every channel."""
    import numpy as np

    x0, y0, x1, y1 = box
    region = rgb[y0:y1, x0:x1].reshape(-1, 3).astype(int)
    return float((np.abs(region - np.array(colour)).max(axis=1) <= tol).mean())


def _bright(rgb, box, level: int = 215) -> float:
    x0, y0, x1, y1 = box
    region = rgb[y0:y1, x0:x1]
    return float((region.min(axis=2) >= level).mean())


def _speaker(url: str, *args: str) -> subprocess.Popen:
    """A second client that stays in the world (and says its lines) until terminated."""
    return subprocess.Popen(client_args(url, "--frames", "1000000", *args), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=REPO)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def test_the_login_screen_renders_over_the_scene(accounts_server, shots):
    """Without a name or a user the login panel shows in the middle: navy panel, gold stripe, white fields,
    the Balai Kota still visible around it."""
    png = shots / "login-screen.png"
    run = run_client(accounts_server.url, png, "--show-login", "--frames", "3")
    assert run.returncode == 0, run.stderr[-2000:]
    social = _social(run)
    assert social["login_shown"] and social["phase"] == "choosing" and not social["chat_shown"]
    x0, y0, x1, y1 = social["login_px"]
    assert 380 < x0 < 420 and 860 < x1 < 900 and y0 < 130 and y1 > 600  # centred, most of the height
    rgb = load_rgb(png)
    assert _near(rgb, (x0 + 4, y0 + 1, x1 - 4, y0 + 7), GOLD, tol=40) > 0.8  # the stripe along the top
    assert _near(rgb, (x0 + 4, y0 + 60, x0 + 22, y1 - 60), (15, 25, 51), tol=25) > 0.8  # the navy margin
    assert _bright(rgb, (x0, y0, x1, y1), 235) > 0.12  # the white text fields
    sky = rgb[20:60, 500:780].reshape(-1, 3).astype(int)
    assert ((sky[:, 2] > sky[:, 0] + 20) & (sky[:, 2] > 150)).mean() > 0.5  # the scene behind the panel


def test_login_with_user_shows_the_role_in_the_hud(accounts_server, shots):
    """`--user` with the password from the environment logs in without the screen; the HUD says Petugas DUKCAPIL."""
    png = shots / "login-staff.png"
    run = run_client(accounts_server.url, png, "--user", "petugas1", "--password-env", PASSWORD_ENV, "--frames", "3")
    assert run.returncode == 0, run.stderr[-2000:]
    social = _social(run)
    assert social["phase"] == "in_world" and social["who"] == "account"
    assert social["role"] == "staff" and social["role_label"] == "Petugas DUKCAPIL"
    assert run.summary["name"] == "Sari"
    assert not social["login_shown"] and social["chat_shown"]
    rgb = load_rgb(png)
    # The account bar (top right) writes the role in gold on its dark strip.
    assert _near(rgb, (990, 15, 1200, 40), GOLD, tol=60) > 0.03


def test_a_wrong_password_is_shown_translated_on_the_login_screen(accounts_server, shots, monkeypatch):
    """A bad password: the client stays on the form, which shows `bad_credentials` in English."""
    png = shots / "login-bad-password.png"
    env_var = "MAKAVERSE_TEST_WRONG_PASSWORD"
    monkeypatch.setenv(env_var, "bukan-ini-sandinya")
    run = run_client(accounts_server.url, png, "--user", "budi", "--password-env", env_var, "--lang", "en",
                     "--frames", "3", "--wait", "4")
    social = _social(run)
    assert social["phase"] == "choosing" and social["login_shown"]
    assert social["error"] == "bad_credentials"
    assert social["error_text"] == "Wrong username or password."
    x0, y0, x1, y1 = social["login_px"]
    rgb = load_rgb(png)
    status = (x0 + 40, y1 - 95, x1 - 40, y1 - 55)  # the status line, drawn in red for an error
    red = rgb[status[1]:status[3], status[0]:status[2]].reshape(-1, 3).astype(int)
    assert ((red[:, 0] > 200) & (red[:, 1] < 170)).mean() > 0.01


def test_register_from_the_command_line_then_a_taken_or_weak_registration_is_explained(accounts_server, shots,
                                                                                          monkeypatch):
    """`--register` creates a citizen and enters; registering the same username again shows `username_taken`,
    and a short password `weak_password`, each in Indonesian on the form."""
    run = run_client(accounts_server.url, shots / "register.png", "--user", "warga_baru", "--register",
                     "--display-name", "Warga Baru", "--password-env", PASSWORD_ENV, "--frames", "2")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.summary["name"] == "Warga Baru" and _social(run)["role_label"] == "Warga"
    again = run_client(accounts_server.url, shots / "register-taken.png", "--user", "warga_baru", "--register",
                       "--password-env", PASSWORD_ENV, "--frames", "2", "--wait", "4")
    assert _social(again)["error"] == "username_taken"
    assert _social(again)["error_text"] == "Nama pengguna sudah dipakai."
    monkeypatch.setenv("MAKAVERSE_TEST_SHORT_PASSWORD", "1234")
    weak = run_client(accounts_server.url, shots / "register-weak.png", "--user", "warga_lain", "--register",
                      "--password-env", "MAKAVERSE_TEST_SHORT_PASSWORD", "--frames", "2", "--wait", "4")
    assert _social(weak)["error"] == "weak_password"
    assert _social(weak)["login_shown"]


def test_a_nearby_line_shows_as_a_bubble_over_the_speaker_and_in_the_log(accounts_server, shots):
    """One client says a line when the other comes near; the listener sees a light bubble card above
    the speaker's head and the line at the bottom of its chat log."""
    text = "Selamat pagi! Loket Disdukcapil sudah buka."
    andi = _speaker(accounts_server.url, "--name", "Andi", "--walk", "0,-4;0,20;1.5,29@180", "--say", text,
                    "--say-near", "8")
    try:
        # Daeng sets off as Andi does: Andi speaks once he has arrived and Daeng is near; the picture waits for it.
        png = shots / "chat-bubble.png"
        daeng = start_client(accounts_server.url, png, "--name", "Daeng", "--frames", "8", "--walk", "0,-4;-1,24@0",
                             "--wait-chat", "1")
        assert json.loads(andi.stdout.readline())["connected"]
        run = daeng.result()
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        _stop(andi)
    social = _social(run)
    assert f"Andi: {text}" in social["chat_lines"]
    andi_view = next(a for a in run.summary["avatars"] if a["name"] == "Andi")
    (bubble,) = social["bubbles"]
    assert bubble["avatar_id"] == andi_view["id"] and bubble["text"] == text
    ax, ay = bubble["anchor_px"]
    tx, ty = andi_view["torso_px"]
    assert abs(ax - tx) < 15 and ay < ty - 60  # above the speaker's head
    rgb = load_rgb(png)
    card = (ax - 40, ay - 30, ax + 40, ay - 4)  # the card stands on its anchor
    assert _bright(rgb, card, 225) > 0.5
    assert 0.02 < (rgb[card[1]:card[3], card[0]:card[2]].max(axis=2) < 90).mean() < 0.5  # dark letters on it
    lx0, ly0, lx1, ly1 = social["chat_log_px"]
    last_row = (lx0, ly1 - 22, lx1, ly1)
    assert _bright(rgb, last_row, 200) > 0.02  # the line's letters at the bottom of the log


def test_a_direct_message_waits_for_an_offline_citizen_and_counts_as_unread(accounts_server, shots):
    """Budi writes to Citra while she is away; when she logs in it arrives, and the HUD counts it unread."""
    sender = run_client(accounts_server.url, shots / "dm-sender.png", "--user", "budi", "--password-env",
                        PASSWORD_ENV, "--frames", "2", "--say", "/w citra Jangan lupa bawa KTP besok ya")
    assert sender.returncode == 0, sender.stderr[-2000:]
    assert any("Citra" in line for line in _social(sender)["chat_lines"])
    png = shots / "dm-unread.png"
    run = run_client(accounts_server.url, png, "--user", "citra", "--password-env", PASSWORD_ENV, "--frames", "3",
                     "--wait-chat", "1")
    assert run.returncode == 0, run.stderr[-2000:]
    social = _social(run)
    assert social["unread_dm"] == 1
    assert "[pesan] Budi: Jangan lupa bawa KTP besok ya" in social["chat_lines"]
    rgb = load_rgb(png)
    # "Pesan baru: 1" in gold-yellow next to the role in the account bar.
    assert _near(rgb, (1080, 15, 1210, 40), (255, 217, 76), tol=60) > 0.03


def test_an_announcement_is_a_banner_at_the_top(accounts_server, shots):
    """An admin's announcement reaches a guest as a gold banner across the top of the screen."""
    wali = _speaker(accounts_server.url, "--user", "wali", "--password-env", PASSWORD_ENV, "--say",
                    "/announce Pelayanan KTP elektronik dibuka sampai pukul 15.00", "--say-near", "60")
    try:
        assert json.loads(wali.stdout.readline())["connected"]
        png = shots / "announcement.png"
        run = run_client(accounts_server.url, png, "--name", "Rahmat", "--frames", "3", "--wait-chat", "1")
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        _stop(wali)
    social = _social(run)
    assert social["banner"] == "Pelayanan KTP elektronik dibuka sampai pukul 15.00"
    rgb = load_rgb(png)
    banner = (340, 70, 940, 110)
    assert _near(rgb, banner, (140, 92, 13), tol=35) > 0.4


_KEYS_PROBE = r'''
import json, sys, time
from makaverse.__main__ import build_parser
from makaverse.client.app import ClientApp, configure_panda

configure_panda(offscreen=True)
from direct.showbase.ShowBase import ShowBase

base = ShowBase()
# The probe drives the app itself: its offscreen run must not end (and print a summary) on its own.
args = build_parser().parse_args(["client", "--url", sys.argv[1], "--offscreen", "--frames", "100000000",
                                  "--name", "Kunci"])
app = ClientApp(base, args)
sent = []
real_send = app.net.send
app.net.send = lambda msg: (sent.append(type(msg).__name__), real_send(msg))[1]
app.net.start()
ev = base.messenger


def step(n=1):
    for _ in range(n):
        base.task_mgr.step()


def until(cond, timeout_s=30.0):
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"timed out: {cond.__doc__}")
        step()
        time.sleep(0.005)


def in_world():
    "in the world"
    return app.social.in_world and app.session.snapshots >= 1  # a still world sends no more


out = {}
until(in_world)
social, box, focus, controls = app.social, app.social.chat_box, app.focus, app.controls
ev.send("enter"); step(3)
out["typing_after_enter"] = box.typing and focus.active
ev.send("w"); step()
out["w_while_typing_walks"] = controls.flags["forward"]
ev.send("1"); step()
out["emote_while_typing"] = "Emote" in sent
ev.send("escape"); step(2)
out["typing_after_escape"] = box.typing or focus.active
ev.send("w"); step()
out["w_after_escape_walks"] = controls.flags["forward"]
ev.send("w-up"); step()
ev.send("2"); step()
until(lambda: app.session.avatar_id in social.chat.emotes)
out["own_emote_played"] = True
ev.send("enter"); step(3)
box.entry.enterText("halo semua")
box.entry.commandFunc(None)  # what Enter inside the field does
ev.send("enter")  # the same key press reaches the global handler too: it must not reopen the line
step(3)
out["typing_after_send"] = box.typing
until(lambda: any(line.text == "halo semua" for line in social.chat.lines))
out["own_line_heard"] = True
first_id = app.session.avatar_id
social.logout(); step(3)
out["login_after_logout"] = social.login.shown and not box.shown
until(lambda: social.flow.connected)
social.login.entries["guest_name"].enterText("Kunci Lagi")
social.login._guest()
until(in_world)
out["back_in_as"] = app.session.name
out["new_avatar"] = app.session.avatar_id != first_id
print(json.dumps(out), flush=True)
app.shutdown()
'''


def test_keys_enter_esc_emotes_and_logout_in_a_running_client(accounts_server):
    """In a running client: Enter opens the chat line, W types instead of walking and 1 sends no emote;
    Esc gives the keys back so W walks; 2 waves for everyone (you too); a sent line doesn't reopen the
    box and comes back from the server; Log out shows the login screen, from which a guest enters again."""
    done = subprocess.run([sys.executable, "-c", _KEYS_PROBE, accounts_server.url], capture_output=True, text=True,
                          timeout=240, cwd=REPO)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout[-2000:] + done.stderr[-3000:]
    out = json.loads(lines[-1])
    assert out == {
        "typing_after_enter": True,
        "w_while_typing_walks": False,
        "emote_while_typing": False,
        "typing_after_escape": False,
        "w_after_escape_walks": True,
        "own_emote_played": True,
        "typing_after_send": False,
        "own_line_heard": True,
        "login_after_logout": True,
        "back_in_as": "Kunci Lagi",
        "new_avatar": True,
    }


_RESTART_PROBE = r'''
import json, os, sys, time
from makaverse.__main__ import build_parser
from makaverse.client.app import ClientApp, configure_panda

configure_panda(offscreen=True)
from direct.showbase.ShowBase import ShowBase

base = ShowBase()
args = build_parser().parse_args(["client", "--url", sys.argv[1], "--offscreen", "--frames", "100000000",
                                  "--user", "dewi",
                                  "--password-env", sys.argv[2]])
app = ClientApp(base, args)
app.net.backoff = type(app.net.backoff)(initial_s=0.2, max_s=1.0)
app.net.start()
social = app.social


def wait_for(cond, timeout_s=90.0):
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            say(event="timeout", phase=social.flow.phase.value)
            raise SystemExit(1)
        base.task_mgr.step()
        time.sleep(0.005)


def say(**fields):
    # Marked: `--offscreen` prints its own JSON summary on this stdout too.
    print("probe: " + json.dumps(fields), flush=True)


wait_for(lambda: social.in_world)
say(event="in", name=app.session.name, role=app.session.mirror.welcome.role)
wait_for(lambda: not app.session.in_world)  # the server went away
wait_for(lambda: social.in_world)  # ... and came back: the token still works
say(event="back", name=app.session.name, who=social.flow.who)
wait_for(lambda: not app.session.in_world)  # away again; meanwhile the password is reset
wait_for(lambda: social.flow.phase.value == "choosing")
for _ in range(5):
    base.task_mgr.step()
say(event="login", error=social.flow.error.code if social.flow.error else None,
    text=social.flow.error.text("en") if social.flow.error else None, shown=social.login.shown)
app.shutdown()
'''


def _next_probe_event(probe: subprocess.Popen[str]) -> dict[str, object]:
    """The probe's next marked event line; other output (the offscreen run's summary) is skipped."""
    for line in probe.stdout:
        if line.startswith("probe: "):
            return json.loads(line.removeprefix("probe: "))
    raise AssertionError(f"probe ended (exit {probe.wait(30)}) without an event:\n{probe.stderr.read()}")


def test_an_account_resumes_after_a_restart_and_returns_to_the_login_screen_when_its_token_ended(tmp_path):
    """A logged-in citizen gets back in after the server restarts; after a password reset (which ends every
    session) the reconnect is refused with `token_expired` and the login screen says so."""
    from client_harness import free_port

    env = {**os.environ, "MAKAVERSE_TEST_MODE": "1", PASSWORD_ENV: PASSWORD}
    url = f"sqlite:///{tmp_path}/t.db"
    cheap = {"MAKAVERSE_TEST_MODE": "1"}
    makaverse_command("db", "seed", "--db", url, env=cheap)
    makaverse_command("admin", "create-user", "--db", url, "--username", "dewi", "--role", "citizen", "--display-name",
                      "Dewi", "--password", PASSWORD, env=cheap)
    port = free_port()
    srv = _start_cheap_server(tmp_path, port=port)
    probe = subprocess.Popen([sys.executable, "-c", _RESTART_PROBE, srv.url, PASSWORD_ENV], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        first = _next_probe_event(probe)
        assert first == {"event": "in", "name": "Dewi", "role": "citizen"}
        srv.stop()
        srv = _start_cheap_server(tmp_path, port=port)
        back = _next_probe_event(probe)
        assert back == {"event": "back", "name": "Dewi", "who": "account"}
        srv.stop()
        makaverse_command("admin", "reset-password", "--db", url, "--username", "dewi", "--password",
                          "sandi-baru-dewi-2", env=cheap)
        srv = _start_cheap_server(tmp_path, port=port)
        last = _next_probe_event(probe)
        assert last == {"event": "login", "error": "token_expired",
                        "text": "Your session has expired. Please sign in again.", "shown": True}
        probe.wait(30)
    finally:
        if probe.poll() is None:
            probe.kill()
        srv.stop()


_KICK_PROBE = r'''
import json, sys, time
from makaverse.__main__ import build_parser
from makaverse.client.app import ClientApp, configure_panda
from makaverse.client.net.events import ConnState

configure_panda(offscreen=True)
from direct.showbase.ShowBase import ShowBase

base = ShowBase()
args = build_parser().parse_args(["client", "--url", sys.argv[1], "--offscreen", "--frames", "100000000",
                                  "--name", "Tamu Usil"])
app = ClientApp(base, args)
app.net.start()
social = app.social


def wait_for(cond, timeout_s=60.0):
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            print(json.dumps({"event": "timeout", "phase": social.flow.phase.value}), flush=True)
            raise SystemExit(1)
        base.task_mgr.step()
        time.sleep(0.005)


# Under load the kick can land before this loop has seen the welcome: either counts as "arrived".
wait_for(lambda: social.in_world or app.session.conn_state is ConnState.CLOSED)
wait_for(lambda: app.session.conn_state is ConnState.CLOSED)
for _ in range(3):
    base.task_mgr.step()
out = {"close": app.session.close_code, "dialog": social.dialog.text.getText(),
       "dialog_shown": not social.dialog.frame.is_hidden()}
social.logout()
wait_for(lambda: social.login.shown and social.flow.connected)
social.flow.guest("Tamu Sopan")
wait_for(lambda: social.in_world)
out["back_as"] = app.session.name
print(json.dumps(out), flush=True)
app.shutdown()
'''


def test_a_kicked_guest_sees_why_and_can_come_back_from_the_login_screen(accounts_server):
    """An admin kicks a guest: the guest sees the reason in a dialog and the connection closes (4006);
    Log out shows the login screen, which connects afresh, and the guest enters again."""
    wali = _speaker(accounts_server.url, "--user", "wali", "--password-env", PASSWORD_ENV, "--say",
                    "/kick Tamu Usil mengganggu antrean", "--say-near", "60", "--near-name", "Tamu Usil")
    try:
        assert json.loads(wali.stdout.readline())["connected"]
        done = subprocess.run([sys.executable, "-c", _KICK_PROBE, accounts_server.url], capture_output=True,
                              text=True, timeout=240, cwd=REPO)
    finally:
        _stop(wali)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout[-2000:] + done.stderr[-3000:]
    out = json.loads(lines[-1])
    assert out["close"] == 4006 and out["dialog_shown"]
    assert out["dialog"] == "Moderator mengeluarkan Anda dari Balai Kota.\nAlasan: mengganggu antrean"
    assert out["back_as"] == "Tamu Sopan"
