"""The Panda3D desktop client, in packages by job.

`net/` talks to the server on a background thread; `state/` is what the client knows, without
Panda3D (the session with its mirror, prediction, interpolation and clock; one model per job —
login, chat, booths — each fed the messages it owns by a router); `scene/` draws the world and
its avatars; `ui/` holds the DirectGUI panels and the HUD; `app` wires them into ShowBase.
Every string a player reads comes from `i18n`.
"""
