"""The Panda3D desktop client.

`net/` talks to the server on a background thread; `session` (with `mirror`, `prediction`,
`interpolation`, `clock`) is the main thread's logic without Panda3D; `scene`, `avatars`,
`hud` and `camera` draw; `app` wires them into ShowBase. Every string a player reads comes
from `i18n`.
"""
