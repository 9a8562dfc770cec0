"""What the client knows, with no Panda3D and no sockets: the mirror of the server's world,
prediction and interpolation, the clock, the session, and one model per job (login, chat,
booths); incoming messages reach the model that owns them through `router.py`."""
