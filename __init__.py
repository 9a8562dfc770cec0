"""Makaverse: a shared 3D Balai Kota of Makassar (server, client, world, protocol)."""

__version__ = "0.1.0"
