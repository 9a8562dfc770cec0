"""The chime when your number is called: two short tones, made here (no sound files to ship)
and loaded through Panda3D's loader. With no audio device (or `audio-library-name null`,
as offscreen) Panda hands back a silent sound and nothing else changes."""

from __future__ import annotations

import atexit
import math
import os
import struct
import tempfile
import wave

__all__ = ["Chime", "chime_wav"]

RATE_HZ = 22050


def chime_wav(path: str, *, tones_hz: tuple[float, ...] = (880.0, 1174.7), tone_s: float = 0.22,
              volume: float = 0.45) -> None:
    """Write a mono 16-bit WAV: each tone in turn, with a soft attack and decay (no clicks)."""
    frames = bytearray()
    n = int(RATE_HZ * tone_s)
    for hz in tones_hz:
        for i in range(n):
            t = i / RATE_HZ
            envelope = min(1.0, i / (0.01 * RATE_HZ)) * math.exp(-4.0 * t / tone_s)
            sample = volume * envelope * math.sin(2 * math.pi * hz * t)
            frames += struct.pack("<h", int(sample * 32767))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        w.writeframes(bytes(frames))


class Chime:
    def __init__(self, base) -> None:
        self.sound = None
        self.played = 0
        try:
            from panda3d.core import Filename

            fd, path = tempfile.mkstemp(prefix="makaverse-chime-", suffix=".wav")
            os.close(fd)
            atexit.register(_remove, path)
            chime_wav(path)
            self.sound = base.loader.load_sfx(Filename.from_os_specific(path))
        except Exception:  # noqa: BLE001 - no sound is better than no client
            self.sound = None

    def play(self) -> None:
        self.played += 1
        if self.sound is not None:
            try:
                self.sound.play()
            except Exception:  # noqa: BLE001
                pass


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
