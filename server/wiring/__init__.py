"""The wiring: builds settings, store, bus, rooms and net; runs effects; maps errors to codes in one place."""

from .game import GameServer

__all__ = ["GameServer"]
